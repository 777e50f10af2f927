"""What resolutions look like: the header and the parts of the text, the archive, the
card, the notices about comments, and their buttons."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from markupsafe import Markup, escape

from bot.callbacks import CommentCb, ResolutionCb, ResolutionYearCb, SearchCb, SearchHitCb
from bot.delivery.parts import DocumentPart, Part, Renderer, TextPart
from bot.inline_buttons import button, column, grid
from bot.split import TEXT_LIMIT, split_paragraphs
from bot.texts import Texts
from storage.resolutions import MATCH_END, MATCH_START, Comment, Resolution, Version

PART_MARK_ROOM = 24  # room for "(2/7)" at the head of each part


@lru_cache(maxsize=16)
def text_chunks(body: str) -> tuple[str, ...]:
    """The body in message-sized plain-text pieces (cached: every recipient of a
    delivery gets the same pieces)."""
    return tuple(split_paragraphs(body.split("\n"), TEXT_LIMIT - PART_MARK_ROOM))


def header_text(t: Texts, resolution: Resolution, *, parts: int) -> str:
    return t(
        "resolutions.header",
        status=resolution.status.value,
        date=resolution.assembly_date,
        city=resolution.city(t.locale),
        title=resolution.title,
        parts=parts,
    )


def render_resolution(t: Texts, args: dict[str, Any]) -> list[Part]:
    """Header, the text in parts, the original file; a draft open to comments ends with
    the "send comments" button."""
    resolution = Resolution.from_json(args["resolution"])
    chunks = text_chunks(resolution.body)
    parts: list[Part] = [TextPart(header_text(t, resolution, parts=len(chunks)))]
    for number, chunk in enumerate(chunks, 1):
        mark = t("resolutions.part", n=number, total=len(chunks)) if len(chunks) > 1 else ""
        parts.append(TextPart(f"{mark}\n{escape(chunk)}" if mark else str(escape(chunk))))
    if resolution.file_key:
        parts.append(DocumentPart(resolution.file_key))
    if args.get("comments"):
        last = parts[-1]
        markup = comment_keyboard(t, resolution.id)
        parts[-1] = (
            DocumentPart(last.file_key, last.caption, markup)
            if isinstance(last, DocumentPart)
            else TextPart(last.text if isinstance(last, TextPart) else "", markup)
        )
    return parts


def _comment_to_staff(t: Texts, args: dict[str, Any]) -> list[Part]:
    comment: Comment = args["comment"]
    author = args["author"]
    text = t(
        "resolutions.comment_to_staff",
        title=comment.resolution_title,
        person_id=args["author_id"],
        name=author.full_name if author else str(args["author_id"]),
        username=author.username if author else None,
        cities=comment.city_names,
        text=comment.text,
    )
    return [TextPart(text, comment_answer_keyboard(t, comment.id))]


def _answer_to_person(t: Texts, args: dict[str, Any]) -> list[Part]:
    comment: Comment = args["comment"]
    text = t(
        "resolutions.answer_to_person",
        title=comment.resolution_title,
        comment=comment.text,
        text=args["text"],
    )
    return [TextPart(text)]


def changes(t: Texts, before: Resolution, after: Resolution) -> list[tuple[str, str, str]]:
    """(what, old, new) for each thing a correction changed; the text shows as "corrected"."""
    found: list[tuple[str, str, str]] = []

    def add(field: str, old: str, new: str) -> None:
        if old != new:
            found.append((t.plain(f"resolutions.field.{field}"), old, new))

    add("title", before.title, after.title)
    add("date", t.date(before.assembly_date), t.date(after.assembly_date))
    add("city", before.city(t.locale), after.city(t.locale))
    if before.draft_id != after.draft_id:
        found.append(
            (t.plain("resolutions.field.draft"), "", t.plain("resolutions.field.relinked"))
        )
    if before.body != after.body:
        found.append(
            (t.plain("resolutions.field.text"), "", t.plain("resolutions.field.corrected"))
        )
    add("file", before.file_name or "\u2014", after.file_name or "\u2014")
    return found


def _corrected(t: Texts, args: dict[str, Any]) -> list[Part]:
    """The correction notice, then the corrected resolution when its text or file changed."""
    before = Resolution.from_json(args["before"])
    after = Resolution.from_json(args["after"])
    resent = before.body != after.body or before.file_key != after.file_key
    notice = t(
        "resolutions.corrected",
        status=after.status.value,
        title=after.title,
        date=after.assembly_date,
        changes=changes(t, before, after),
        resent=resent,
    )
    parts: list[Part] = [TextPart(notice)]
    if resent:
        parts += render_resolution(t, {"resolution": args["after"]})
    return parts


def _withdrawn(t: Texts, args: dict[str, Any]) -> list[Part]:
    resolution = Resolution.from_json(args["resolution"])
    text = t(
        "resolutions.withdrawn_notice",
        status=resolution.status.value,
        title=resolution.title,
        date=resolution.assembly_date,
        city=resolution.city(t.locale),
    )
    return [TextPart(text)]


RENDERERS: dict[str, Renderer] = {
    "resolution": render_resolution,
    "resolution.corrected": _corrected,
    "resolution.withdrawn": _withdrawn,
    "resolution.comment": _comment_to_staff,
    "resolution.answer": _answer_to_person,
}


# --- the archive and the card -----------------------------------------------------------------


def highlighted(text: str) -> Markup:
    """Search output: the text escaped, each match in <b> (markers come from storage)."""
    html = str(escape(" ".join(text.split())))
    if html.count(MATCH_START) != html.count(MATCH_END):
        html = html.replace(MATCH_START, "").replace(MATCH_END, "")
    return Markup(html.replace(MATCH_START, "<b>").replace(MATCH_END, "</b>"))


def row(t: Texts, number: int, resolution: Resolution) -> dict[str, Any]:
    return {
        "number": number,
        "date": resolution.assembly_date,
        "city": resolution.city(t.locale),
        "title": resolution.title,
        "status": resolution.status.value,
        "adopted": resolution.adopted_id is not None,
    }


def card_text(
    t: Texts,
    resolution: Resolution,
    *,
    staff: bool = False,
    comments: Sequence[Comment] = (),
) -> str:
    """The card; staff also see its version and, on a draft, its comments."""
    return t(
        "resolutions.card",
        row=row(t, 0, resolution),
        adopted_date=resolution.adopted_date,
        has_draft=resolution.draft_id is not None,
        chars=len(resolution.body),
        file_name=resolution.file_name,
        staff=staff,
        version=resolution.version,
        updated_at=resolution.updated_at,
        comments=len(comments),
        unanswered=sum(1 for c in comments if c.answered_at is None),
    )


def comments_text(t: Texts, resolution: Resolution, comments: Sequence[Comment]) -> str:
    return t(
        "resolutions.comments_list",
        title=resolution.title,
        comments=[
            {
                "number": number,
                "name": c.author_name or str(c.person_id),
                "username": c.author_username,
                "person_id": c.person_id,
                "cities": c.city_names,
                "at": c.created_at,
                "answered": c.answered_at is not None,
                "text": c.text,
            }
            for number, c in enumerate(comments, 1)
        ],
    )


def comments_keyboard(t: Texts, comments: Sequence[Comment]) -> InlineKeyboardMarkup | None:
    """An Answer button for each comment not answered yet."""
    answers = [
        button(t.plain("resolutions.btn.answer_n", number=number), CommentCb(comment_id=comment.id))
        for number, comment in enumerate(comments, 1)
        if comment.answered_at is None
    ]
    return grid(answers, 3) if answers else None


def versions_text(t: Texts, resolution: Resolution, versions: Sequence[Version]) -> str:
    return t(
        "resolutions.versions",
        title=resolution.title,
        versions=versions,
        current=resolution,
        city=resolution.city(t.locale),
    )


def withdraw_keyboard(t: Texts, resolution_id: int) -> InlineKeyboardMarkup:
    return column(
        button(
            t.plain("resolutions.btn.withdraw_yes"),
            ResolutionCb(action="withdraw_ok", resolution_id=resolution_id),
        ),
        button(
            t.plain("resolutions.btn.withdraw_no"),
            ResolutionCb(action="open", resolution_id=resolution_id),
        ),
    )


def year_screen(
    t: Texts, years: Sequence[int], year: int | None, items: Sequence[Resolution]
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The archive of one year, with the other years as buttons."""
    if year is None:
        return t("resolutions.empty"), None
    rows = [row(t, n, r) for n, r in enumerate(items, 1)]
    text = t("resolutions.year", year=year, rows=rows, years=years)
    return text, resolutions_list_keyboard(t, items, years, year)


# --- buttons ----------------------------------------------------------------------------------


def comment_keyboard(t: Texts, resolution_id: int) -> InlineKeyboardMarkup:
    return column(
        button(
            t.plain("resolutions.btn.comment"),
            ResolutionCb(action="comment", resolution_id=resolution_id),
        )
    )


def comment_answer_keyboard(t: Texts, comment_id: int) -> InlineKeyboardMarkup:
    return column(button(t.plain("resolutions.btn.answer"), CommentCb(comment_id=comment_id)))


def resolution_card_keyboard(
    t: Texts,
    resolution: Resolution,
    *,
    staff: bool = False,
    comments: int = 0,
    query: str | None = None,
) -> InlineKeyboardMarkup:
    """`query`: the card was opened from these search results (its back button returns
    there rather than to the year's list)."""

    def cb(action: str, resolution_id: int = resolution.id) -> ResolutionCb:
        return ResolutionCb(action=action, resolution_id=resolution_id)

    rows = [[button(t.plain("resolutions.btn.full_text"), cb("text"))]]
    if resolution.is_withdrawn:
        return InlineKeyboardMarkup(inline_keyboard=rows)
    if staff:
        rows.append(
            [
                button(t.plain("resolutions.btn.edit"), cb("edit")),
                button(t.plain("resolutions.btn.withdraw"), cb("withdraw")),
            ]
        )
        if resolution.version > 1:
            label = t.plain("resolutions.btn.versions", n=resolution.version - 1)
            rows.append([button(label, cb("versions"))])
        if resolution.is_draft and comments:
            rows.append([button(t.plain("resolutions.btn.comments", n=comments), cb("comments"))])
    if resolution.is_draft and resolution.adopted_id is None:
        rows.append([button(t.plain("resolutions.btn.comment"), cb("comment"))])
    if resolution.adopted_id is not None:
        rows.append([button(t.plain("resolutions.btn.adopted"), cb("open", resolution.adopted_id))])
    if resolution.draft_id is not None:
        rows.append([button(t.plain("resolutions.btn.draft_of"), cb("open", resolution.draft_id))])
    if query:
        back = button(t.plain("resolutions.btn.back_to_results"), SearchCb(q=query))
    else:
        year = ResolutionYearCb(year=resolution.assembly_date.year)
        back = button(t.plain("resolutions.btn.back"), year)
    rows.append([back])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def resolutions_list_keyboard(
    t: Texts,
    items: Sequence[Resolution],
    years: Sequence[int],
    year: int | None,
    query: str | None = None,
) -> InlineKeyboardMarkup | None:
    # built directly, not with InlineKeyboardBuilder: it is on the search's hot path
    rows = []
    for number, resolution in enumerate(items, 1):
        data: CallbackData = (
            SearchHitCb(id=resolution.id, q=query)
            if query
            else ResolutionCb(action="open", resolution_id=resolution.id)
        )
        text = t.plain("resolutions.btn.open", number=number, title=resolution.title)
        rows.append([button(text, data)])
    others = [y for y in years if y != year]
    if others:
        rows.append([button(str(y), ResolutionYearCb(year=y)) for y in others[:8]])
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None
