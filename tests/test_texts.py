"""Texts: both locales complete, escaping on, Russian plurals and dates from CLDR."""

from __future__ import annotations

import ast
import itertools
import re
from collections.abc import Collection, Iterator
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path

import pytest
from babel import Locale

from bot.broadcasts.service import AudienceKind
from bot.commands import CONTACT, EVERYONE, GROUP, OWNER, STAFF
from bot.contacts.service import Ask
from bot.services.staff import StaffChange
from bot.surveys.answers import Problem as AnswerProblem
from bot.surveys.definition import Audience, QuestionType, ShareResults
from bot.surveys.model import SHEET_REFUSALS, Refusal
from bot.surveys.roster import State as RosterState
from bot.surveys.template import QUESTION_COLUMNS, SURVEY_FIELDS
from bot.texts import TextCatalog, load_locale_files
from bot.topics import Topic
from handlers.events.steps import STEPS as EVENT_STEPS
from handlers.surveys.card import CARD_ACTIONS
from storage.contacts import Redeem
from storage.values import EventFormat, EventKind, RequestStatus, ResolutionStatus

CATALOGS = load_locale_files()
ROOT = Path(__file__).resolve().parents[1]  # the checkout, wherever pytest runs from
CODE = [ROOT / "bot", ROOT / "handlers"]


def python_files(*folders: Path) -> list[Path]:
    found = sorted(path for folder in folders for path in folder.rglob("*.py"))
    assert len(found) > 10, f"no code found under {folders}: the test would prove nothing"
    return found


def test_ru_and_en_have_the_same_keys() -> None:
    ru, en = set(CATALOGS["ru"]), set(CATALOGS["en"])
    assert ru - en == set(), f"missing in en: {sorted(ru - en)}"
    assert en - ru == set(), f"missing in ru: {sorted(en - ru)}"


@pytest.mark.parametrize("locale", ["ru", "en"])
def test_plural_texts_have_every_cldr_form(locale: str) -> None:
    forms = set(Locale.parse(locale).plural_form.tags) | {"other"}
    for key, value in CATALOGS[locale].items():
        if isinstance(value, dict):
            assert set(value) >= forms, f"{locale}:{key} lacks {forms - set(value)}"


@pytest.mark.parametrize("locale", ["ru", "en"])
def test_every_text_compiles(locale: str) -> None:
    texts = TextCatalog.load().get(locale)
    for _key, value in CATALOGS[locale].items():
        sources = value.values() if isinstance(value, dict) else [value]
        for source in sources:
            texts._html_env.parse(source)  # raises on a template syntax error


def test_every_key_used_in_code_exists() -> None:
    """Keys written literally in the code (t("x.y"), t.plain("x.y")) are in the catalog."""
    pattern = re.compile(
        r"""\b(?:(?:t|texts|pt)(?:\.plain|\.plural|\.plain_plural)?|Stale|Problem)"""
        r"""\(\s*["']([a-z_]+\.[a-z_.]+)["']"""
    )
    used = set()
    for path in python_files(*CODE):
        used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    assert used, "the pattern found no keys: it is broken"
    missing = sorted(key for key in used if key not in CATALOGS["ru"])
    assert missing == []


def members(enum: type[Enum], *leave_out: Enum) -> set[str]:
    return {str(m.value) for m in enum if m not in leave_out}


def literal_args(path: str, function: str, index: int) -> set[str]:
    """The string literals passed as argument `index` to `function` in a module."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == function:
            arg = node.args[index] if len(node.args) > index else None
            if isinstance(arg, ast.Constant):
                found.add(str(arg.value))
    assert found, f"no {function}(...) calls found in {path}"
    return found


def survey_file_codes() -> set[str]:
    """The codes of every Problem raised by the survey file checks (its second argument)."""
    codes = set()
    checks = ("loader.py", "validation.py", "files.py")  # the file's own checks, the import's
    trees = [ast.parse((ROOT / "bot" / "surveys" / n).read_text(encoding="utf-8")) for n in checks]
    for node in (node for tree in trees for node in ast.walk(tree)):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None)
        if name == "_Refused":  # what the YAML loader refuses: its code becomes a Problem's
            assert isinstance(node.args[0], ast.Constant), ast.unparse(node)
            codes.add(str(node.args[0].value))
        elif name == "Problem":
            code = node.args[1] if len(node.args) > 1 else None
            if code is not None and ast.unparse(code) == "refused.code":  # _Refused's
                continue
            assert isinstance(code, ast.Constant), ast.unparse(node)
            codes.add(str(code.value))
    assert len(codes) > 20
    return codes


def spellings(values: Collection[str], *keys: str) -> dict[str, dict[str, Collection[str]]]:
    """`values` for the one placeholder of each of `keys`: one key built in several places,
    its placeholder named differently in each."""
    table: dict[str, dict[str, Collection[str]]] = {}
    for key in keys:
        (placeholder,) = re.findall(r"\{([^{}]+)\}", key)
        table[key] = {placeholder: values}
    return table


# Keys built with an f-string, with the values of each placeholder that the code cannot
# show by itself (enum members, values passed in from elsewhere). Placeholders bound in
# the same function to literals (`for kind in ("a", "b")`, `mark = "on" if x else "off"`)
# are read from the code instead. A new f-string key whose values cannot be read from
# the code fails the test until it is listed here.
BUILT_KEYS: dict[str, dict[str, Collection[str]]] = {
    "commands.{name}": {"name": {*EVERYONE, *CONTACT, *STAFF, *OWNER, *GROUP}},
    "language.name_{locale}": {"locale": set(CATALOGS)},
    **spellings(
        members(Topic),
        "topic.{topic.value}",
        "topic.{callback_data.topic}",
        "topic.{audience.topic}",
    ),
    **spellings(
        members(EventKind),
        "events.kind.{kind.value}",
        "events.kind.{draft.kind.value}",
        "events.kind.{e.kind.value}",
        "events.kind.{card.event.kind.value}",
    ),
    **spellings(
        members(EventFormat), "events.format.{e.draft.format.value}", "events.format.{form.value}"
    ),
    "events.ask.{step}": {"step": {step.name for step in EVENT_STEPS}},
    "surveys.export.state_{entry.state.value}": {"entry.state.value": members(RosterState)},
    "surveys.refused.{refusal.value}": {"refusal.value": members(Refusal)},
    "surveys.sheet.problem.{note.code}": {
        "note.code": {*members(AnswerProblem), "unknown_row", "not_asked", "changed_meanwhile"}
    },
    "surveys.sheet.refused.{result.reason}": {
        "result.reason": {*members(Refusal), *SHEET_REFUSALS}
    },
    "surveys.sheet.{error.code}": {"error.code": {"not_xlsx", "too_big", "not_answers"}},
    "surveys.template.head_{name}": {"name": {"field", "value", "note"}},
    **spellings(
        set(SURVEY_FIELDS),
        "surveys.template.field.{name}",
        "surveys.template.field.{n}",
        "surveys.template.note.{name}",
    ),
    **spellings(
        set(QUESTION_COLUMNS), "surveys.template.column.{name}", "surveys.template.column.{n}"
    ),
    **spellings(
        members(QuestionType),
        "surveys.template.type.{n}",
        "surveys.template.type.{k.value}",
        "surveys.template.type.{kind}",
        "surveys.template.type.{question.type.value}",
        "surveys.template.type.{params['type']}",
    ),
    **spellings(
        members(Audience),
        "surveys.template.audience.{n}",
        "surveys.template.audience.{a}",
        "surveys.template.audience.{example.audience.value}",
    ),
    **spellings(
        members(ShareResults),
        "surveys.template.share.{n}",
        "surveys.template.share.{s}",
        "surveys.template.share.{example.share_results.value}",
    ),
    "surveys.problem.{result.problem.value}": {"result.problem.value": members(AnswerProblem)},
    "surveys.admin.{action}": {
        "action": {
            *(action for rows in CARD_ACTIONS.values() for row in rows for action in row),
            *("go", "when", "cancel", "close_ok", "remind_ok"),
        }
    },
    "surveys.admin.confirm_{on.action}": {"on.action": {"close", "remind"}},
    "broadcast.choose.{kind.value}": {"kind.value": members(AudienceKind)},
    "resolutions.status.{s.value}": {"s.value": members(ResolutionStatus)},
    "resolutions.ask.{step}": {"step": {"date", "title", "text"}},
    "events.alert.{closed}": {"closed": {"cancelled", "over"}},  # EventService.closed
    "cli.{key}": {"key": literal_args("bot/cli.py", "_say", 1)},
    "resolutions.field.{field}": {"field": literal_args("bot/resolutions/messages.py", "add", 0)},
    "city.{result.outcome.value}": {"result.outcome.value": members(Ask)},
    "resolutions.error.{error.key}": {"error.key": {"unreadable", "too_big_inside", "not_text"}},
    "staff.{action}_{change.value}": {
        "action": {"add", "remove"},
        "change.value": members(StaffChange),
    },
    "invite.{result.outcome.value}": {"result.outcome.value": members(Redeem)},
    "contacts.decided_{request.status.value}": {
        "request.status.value": members(RequestStatus, RequestStatus.PENDING)
    },
    "broadcast.audience.{audience.kind.value}": {
        # the topic and the cities have texts of their own, with their names
        "audience.kind.value": members(AudienceKind, AudienceKind.TOPIC, AudienceKind.CITIES)
    },
    "survey_file.{p.code}": {"p.code": survey_file_codes()},
}
TEXT_CALLS = {"t", "pt", "texts"}  # t(...), t.plain(...), viewer.texts(...), pt.plural(...)
TEXT_METHODS = {"plain", "plural", "plain_plural"}


KEY_CALLS = {"Stale", "Problem"}  # Stale("key"), a dialog's Problem("key", ...): keys too


def is_text_call(call: ast.Call, path: Path) -> bool:
    func = call.func
    if isinstance(func, ast.Name) and func.id in KEY_CALLS:
        # the survey file's Problem(place, code) differs (bot/surveys, not handlers/surveys)
        return path.parent != ROOT / "bot" / "surveys"
    if isinstance(func, ast.Attribute) and func.attr in TEXT_METHODS:
        func = func.value
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    return name in TEXT_CALLS


def template(key: ast.JoinedStr) -> str:
    """f"staff.{action}_{change.value}" -> "staff.{action}_{change.value}"."""
    return "".join(
        f"{{{ast.unparse(part.value)}}}"
        if isinstance(part, ast.FormattedValue)
        else str(part.value)
        for part in key.values
        if isinstance(part, ast.FormattedValue | ast.Constant)
    )


UNKNOWN = ast.Constant(value=None)  # a binding this test cannot read (a parameter...)


def strings(node: ast.expr, scope: ast.AST, seen: frozenset[str] = frozenset()) -> set[str] | None:
    """Every string `node` can be (for a literal collection: its items), or None."""
    if isinstance(node, ast.Constant):
        return {node.value} if isinstance(node.value, str) else None
    if isinstance(node, ast.IfExp):
        parts = [strings(node.body, scope, seen), strings(node.orelse, scope, seen)]
    elif isinstance(node, ast.List | ast.Tuple | ast.Set):
        parts = [strings(item, scope, seen) for item in node.elts]
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        parts = [strings(node.left, scope, seen), strings(node.right, scope, seen)]
    elif isinstance(node, ast.Name) and node.id not in seen:
        parts = [strings(bound, scope, seen | {node.id}) for bound in bindings(node.id, scope)]
    else:
        return None
    found: set[str] = set()
    for part in parts:
        if part is None:
            return None
        found |= part
    return found


def bindings(name: str, scope: ast.AST) -> Iterator[ast.expr]:
    """What `name` is bound to in `scope`: assigned values and items of loops over literals
    (for a tuple target, the matching item of each literal tuple)."""
    for node in ast.walk(scope):
        if isinstance(node, ast.arg) and node.arg == name:
            yield UNKNOWN
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign) and node.value:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                yield node.value
        elif isinstance(node, ast.For | ast.comprehension):
            target = node.target
            if isinstance(target, ast.Name) and target.id == name:
                yield node.iter
            elif isinstance(target, ast.Tuple):
                names = [t.id if isinstance(t, ast.Name) else None for t in target.elts]
                if name in names:
                    yield item_of(node.iter, names.index(name))


def item_of(literal: ast.expr, index: int) -> ast.expr:
    """`for a, b in (("x", 1), ("y", 2))`: the items of `a` are ("x", "y")."""
    if not isinstance(literal, ast.Tuple | ast.List):
        return UNKNOWN
    items = []
    for row in literal.elts:
        if not isinstance(row, ast.Tuple) or len(row.elts) <= index:
            return UNKNOWN
        items.append(row.elts[index])
    return ast.Tuple(elts=items)


def test_every_key_built_with_an_f_string_exists() -> None:
    """Keys like t(f"events.ask.{step}"): every key each can become is in ru and en."""
    problems: list[str] = []
    used: set[str] = set()
    for path in python_files(*CODE):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        scopes = [
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        ]
        for call in ast.walk(tree):
            if not (isinstance(call, ast.Call) and is_text_call(call, path) and call.args):
                continue
            key = call.args[0]
            if not isinstance(key, ast.JoinedStr):
                continue
            where = f"{path.relative_to(ROOT)}:{call.lineno}"
            shape = template(key)
            used.add(shape)
            scope = min(
                (s for s in scopes if s.lineno <= call.lineno <= (s.end_lineno or 0)),
                key=lambda s: (s.end_lineno or 0) - s.lineno,
                default=tree,
            )
            choices: list[list[str]] = []
            for part in key.values:
                if isinstance(part, ast.Constant):
                    choices.append([str(part.value)])
                    continue
                assert isinstance(part, ast.FormattedValue)
                expr = ast.unparse(part.value)
                known = BUILT_KEYS.get(shape, {}).get(expr) or strings(part.value, scope)
                if not known:
                    problems.append(f"{where}: values of {{{expr}}} in {shape!r} unknown")
                    break
                choices.append(sorted(known))
            else:
                for pieces in itertools.product(*choices):
                    full = "".join(pieces)
                    for locale in ("ru", "en"):
                        if full not in CATALOGS[locale]:
                            problems.append(f"{where}: {full!r} is missing in {locale}")
    assert problems == [], "\n".join(problems)
    assert set(BUILT_KEYS) - used == set(), "BUILT_KEYS lists keys the code no longer builds"
    assert len(used) > 20, "found too few f-string keys: the search is broken"


def test_user_text_is_escaped() -> None:
    texts = TextCatalog.load().get("ru")
    html = texts("start.welcome_back", name="<b>Иван</b> & Co")
    assert "&lt;b&gt;Иван&lt;/b&gt; &amp; Co" in html
    assert "<b>Иван</b>" not in html
    assert texts.plain("contacts.remove_button", name="<b>Иван</b>") == "✖ <b>Иван</b>"


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, "1 город"),
        (2, "2 города"),
        (5, "5 городов"),
        (11, "11 городов"),
        (21, "21 город"),
        (22, "22 города"),
        (30, "30 городов"),
        (1234, "1\u00a0234 города"),
    ],
)
def test_russian_plurals(n: int, expected: str) -> None:
    assert TextCatalog.load().get("ru").plural("count.cities", n) == expected


def test_english_plurals() -> None:
    en = TextCatalog.load().get("en")
    assert [en.plural("count.cities", n) for n in (1, 2, 21)] == ["1 city", "2 cities", "21 cities"]


def test_dates_in_russian_and_moscow_time() -> None:
    catalog = TextCatalog.load()
    moment = datetime(2026, 12, 15, 15, 0, tzinfo=UTC)
    assert catalog.get("ru").datetime(moment) == "15 декабря 2026 г., 18:00 МСК"
    assert catalog.get("ru").date(moment) == "15 декабря 2026 г."
    assert catalog.get("en").datetime(moment) == "15 December 2026, 18:00 MSK"


def test_other_time_zone_is_shown_relative_to_moscow() -> None:
    from zoneinfo import ZoneInfo

    catalog = TextCatalog.load(tz=ZoneInfo("Asia/Yekaterinburg"))
    moment = datetime(2026, 12, 15, 15, 0, tzinfo=UTC)
    assert catalog.get("ru").datetime(moment) == "15 декабря 2026 г., 20:00 МСК+2"


def test_language_is_picked_from_choice_then_telegram_then_default() -> None:
    catalog = TextCatalog.load()
    assert catalog.pick("en", "ru").locale == "en"
    assert catalog.pick(None, "en-GB").locale == "en"
    assert catalog.pick(None, "de").locale == "ru"
    assert catalog.pick(None, None).locale == "ru"


def test_no_user_facing_cyrillic_in_code() -> None:
    cyrillic = re.compile(r"""["'][^"'\n]*[А-Яа-яЁё][^"'\n]*["']""")
    offenders = [
        f"{path}:{number}"
        for path in python_files(*CODE, ROOT / "storage")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if cyrillic.search(line) and not line.lstrip().startswith("#")
    ]
    assert offenders == []
