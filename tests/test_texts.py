"""Texts: both locales complete, escaping on, Russian plurals and dates from CLDR."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel import Locale

from bot.texts import TextCatalog, load_locale_files

CATALOGS = load_locale_files()
CODE = [Path("bot"), Path("handlers")]


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
        r"""\b(?:t|texts|pt)(?:\.plain|\.plural|\.plain_plural)?\(\s*["']([a-z_]+\.[a-z_.]+)["']"""
    )
    used = set()
    for folder in CODE:
        for path in folder.rglob("*.py"):
            used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    assert used, "the pattern found no keys: it is broken"
    missing = sorted(key for key in used if key not in CATALOGS["ru"])
    assert missing == []


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
        for folder in [*CODE, Path("storage")]
        for path in folder.rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if cyrillic.search(line) and not line.lstrip().startswith("#")
    ]
    assert offenders == []
