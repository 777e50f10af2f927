"""Resolutions: /resolutions (archive by year, search) and comments on drafts for
everyone; /resolution_new and answers to comments for staff."""

from __future__ import annotations

import asyncio
import io
from datetime import date
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from markupsafe import Markup, escape

from bot.callbacks import CityPickCb, CommentCb, ResolutionCb, ResolutionDialogCb, ResolutionYearCb
from bot.dates import DateInputError, parse_day
from bot.filters import HasDocument, IsStaff, MenuButton, NotCommand, PrivateChat, TypedText
from bot.keyboards import (
    cities_keyboard,
    resolution_card_keyboard,
    resolution_drafts_keyboard,
    resolution_preview_keyboard,
    resolution_status_keyboard,
    resolution_text_keyboard,
    resolutions_list_keyboard,
)
from bot.services.cities import CityService
from bot.services.people import Viewer
from bot.services.resolutions import (
    BODY_MAX,
    COMMENT_MAX,
    TITLE_MAX,
    ResolutionService,
    header_text,
    text_chunks,
)
from bot.textfiles import UnreadableFile, from_text, read_docx, read_txt
from bot.texts import Texts
from handlers.common import drop_buttons, show
from storage.resolutions import (
    MATCH_END,
    MATCH_START,
    NewResolution,
    Resolution,
    ResolutionStatus,
)

router = Router(name=__name__)
router.message.filter(PrivateChat())
staff = Router(name=f"{__name__}.staff")
staff.message.filter(PrivateChat(), IsStaff())
staff.callback_query.filter(IsStaff())
router.include_router(staff)

FILE_MAX = 20 * 1024 * 1024  # what a bot may download from Telegram
CITY_MAX = 100


def highlighted(text: str) -> Markup:
    """Search output: the text escaped, each match in <b> (markers come from storage)."""
    html = str(escape(" ".join(text.split())))
    if html.count(MATCH_START) != html.count(MATCH_END):
        html = html.replace(MATCH_START, "").replace(MATCH_END, "")
    return Markup(html.replace(MATCH_START, "<b>").replace(MATCH_END, "</b>"))


# --- the archive and search (everyone) -------------------------------------------------------


def _row(t: Texts, number: int, resolution: Resolution) -> dict[str, Any]:
    return {
        "number": number,
        "date": resolution.assembly_date,
        "city": resolution.city(t.locale),
        "title": resolution.title,
        "status": resolution.status.value,
        "adopted": resolution.adopted_id is not None,
    }


async def _year_page(
    t: Texts, resolutions: ResolutionService, year: int | None
) -> tuple[str, InlineKeyboardMarkup | None]:
    years = await resolutions.years()
    if not years:
        return t("resolutions.empty"), None
    if year not in years:
        year = years[0]
    items = await resolutions.of_year(year)
    rows = [_row(t, n, r) for n, r in enumerate(items, 1)]
    text = t("resolutions.year", year=year, rows=rows, years=years)
    return text, resolutions_list_keyboard(t, items, years, year)


@router.message(Command("resolutions"))
@router.message(MenuButton("resolutions"))
async def archive(
    message: Message,
    viewer: Viewer,
    resolutions: ResolutionService,
    command: CommandObject | None = None,
) -> None:
    t = viewer.texts
    words = (command.args or "").strip() if command else ""
    if not words:
        text, markup = await _year_page(t, resolutions, None)
        await message.answer(text, reply_markup=markup)
        return
    found = await resolutions.search(words)
    rows = [
        {**_row(t, n, hit.resolution), "snippet": highlighted(hit.snippet)}
        for n, hit in enumerate(found, 1)
    ]
    await message.answer(
        t("resolutions.found", query=words[:100], rows=rows),
        reply_markup=resolutions_list_keyboard(t, [hit.resolution for hit in found], [], None),
    )


@router.callback_query(ResolutionYearCb.filter())
async def year_page(
    query: CallbackQuery,
    callback_data: ResolutionYearCb,
    texts: Texts,
    resolutions: ResolutionService,
) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        text, markup = await _year_page(texts, resolutions, callback_data.year)
        await show(query.message, text, markup)


def card_text(t: Texts, resolution: Resolution) -> str:
    return t(
        "resolutions.card",
        row=_row(t, 0, resolution),
        adopted_date=resolution.adopted_date,
        has_draft=resolution.draft_id is not None,
        chars=len(resolution.body),
        file_name=resolution.file_name,
    )


@router.callback_query(ResolutionCb.filter(F.action == "open"))
async def open_card(
    query: CallbackQuery,
    callback_data: ResolutionCb,
    texts: Texts,
    resolutions: ResolutionService,
) -> None:
    resolution = await resolutions.get(callback_data.resolution_id)
    if resolution is None or not isinstance(query.message, Message):
        await query.answer(texts.plain("errors.stale_button"), show_alert=True)
        return
    await query.answer()
    await show(
        query.message, card_text(texts, resolution), resolution_card_keyboard(texts, resolution)
    )


@router.callback_query(ResolutionCb.filter(F.action == "text"))
async def full_text(
    query: CallbackQuery,
    callback_data: ResolutionCb,
    texts: Texts,
    resolutions: ResolutionService,
) -> None:
    resolution = await resolutions.get(callback_data.resolution_id)
    if resolution is None:
        await query.answer(texts.plain("errors.stale_button"), show_alert=True)
        return
    await query.answer(texts.plain("resolutions.alert.sending"))
    await resolutions.send_text(query.from_user.id, resolution)


# --- comments on a draft (everyone it was sent to) -------------------------------------------


class CommentDialog(StatesGroup):
    text = State()


@router.callback_query(ResolutionCb.filter(F.action == "comment"))
async def ask_comment(
    query: CallbackQuery,
    callback_data: ResolutionCb,
    state: FSMContext,
    texts: Texts,
    resolutions: ResolutionService,
    bot: Bot,
    viewer: Viewer | None = None,
) -> None:
    t = texts
    resolution = await resolutions.get(callback_data.resolution_id)
    if resolution is None:
        await query.answer(t.plain("errors.stale_button"), show_alert=True)
        return
    if not resolution.is_draft or resolution.adopted_id is not None:
        await query.answer(t.plain("resolutions.alert.closed"), show_alert=True)
        return
    if viewer is None or not viewer.is_registered:
        await query.answer(t.plain("events.alert.start_first"), show_alert=True)
        return
    await query.answer()
    await state.set_state(CommentDialog.text)
    await state.update_data(resolution_id=resolution.id)
    await bot.send_message(viewer.id, t("resolutions.ask_comment", title=resolution.title))


@router.message(StateFilter(CommentDialog.text), TypedText())
async def got_comment(
    message: Message, state: FSMContext, viewer: Viewer, resolutions: ResolutionService
) -> None:
    t = viewer.texts
    text = (message.text or "").strip()
    if len(text) > COMMENT_MAX:
        await message.answer(t("resolutions.error.comment_long", limit=COMMENT_MAX))
        return
    resolution_id = int((await state.get_data())["resolution_id"])
    await state.clear()
    comment = await resolutions.comment(viewer, resolution_id, text)
    await message.answer(t("resolutions.comment_sent" if comment else "resolutions.comment_closed"))


@router.message(StateFilter(CommentDialog.text), NotCommand())
async def comment_not_text(message: Message, viewer: Viewer) -> None:
    await message.answer(viewer.texts("resolutions.error.comment_text"))


# --- staff: answering a comment --------------------------------------------------------------


class AnswerDialog(StatesGroup):
    text = State()


@staff.callback_query(CommentCb.filter())
async def ask_answer(
    query: CallbackQuery,
    callback_data: CommentCb,
    state: FSMContext,
    viewer: Viewer,
    resolutions: ResolutionService,
) -> None:
    t = viewer.texts
    comment = await resolutions.get_comment(callback_data.comment_id)
    if comment is None or not isinstance(query.message, Message):
        await query.answer(t.plain("errors.stale_button"), show_alert=True)
        return
    await query.answer()
    await state.set_state(AnswerDialog.text)
    await state.update_data(comment_id=comment.id)
    await query.message.answer(
        t("resolutions.ask_answer", title=comment.resolution_title, comment=comment.text)
    )


@staff.message(StateFilter(AnswerDialog.text), TypedText())
async def got_answer(
    message: Message, state: FSMContext, viewer: Viewer, resolutions: ResolutionService
) -> None:
    t = viewer.texts
    text = (message.text or "").strip()
    if len(text) > COMMENT_MAX:
        await message.answer(t("resolutions.error.comment_long", limit=COMMENT_MAX))
        return
    comment_id = int((await state.get_data())["comment_id"])
    await state.clear()
    delivered = await resolutions.answer(viewer, comment_id, text)
    await message.answer(t("resolutions.answer_sent" if delivered else "resolutions.answer_failed"))


@staff.message(StateFilter(AnswerDialog.text), NotCommand())
async def answer_not_text(message: Message, viewer: Viewer) -> None:
    await message.answer(viewer.texts("resolutions.error.comment_text"))


# --- staff: publishing -----------------------------------------------------------------------


class ResolutionDialog(StatesGroup):
    status = State()
    draft = State()
    date = State()
    city = State()
    title = State()
    text = State()
    preview = State()


@staff.message(Command("resolution_new"))
async def begin(message: Message, state: FSMContext, viewer: Viewer) -> None:
    await state.clear()
    await state.set_state(ResolutionDialog.status)
    await message.answer(
        viewer.texts("resolutions.ask.status"),
        reply_markup=resolution_status_keyboard(viewer.texts),
    )


@staff.callback_query(
    StateFilter(ResolutionDialog.status), ResolutionDialogCb.filter(F.action == "status")
)
async def got_status(
    query: CallbackQuery,
    callback_data: ResolutionDialogCb,
    state: FSMContext,
    viewer: Viewer,
    resolutions: ResolutionService,
) -> None:
    t = viewer.texts
    if callback_data.value not in set(ResolutionStatus):
        await query.answer(t.plain("errors.stale_button"), show_alert=True)
        return
    await query.answer()
    message = await drop_buttons(query)
    if message is None:
        return
    await state.update_data(status=callback_data.value, draft_id=None)
    drafts = await resolutions.open_drafts()
    if callback_data.value == ResolutionStatus.ADOPTED and drafts:
        await state.set_state(ResolutionDialog.draft)
        await message.answer(
            t("resolutions.ask.draft"), reply_markup=resolution_drafts_keyboard(t, drafts)
        )
        return
    await _ask_date(message, state, t)


async def _ask_date(message: Message, state: FSMContext, t: Texts) -> None:
    await state.set_state(ResolutionDialog.date)
    await message.answer(t("resolutions.ask.date"))


@staff.callback_query(
    StateFilter(ResolutionDialog.draft), ResolutionDialogCb.filter(F.action == "draft")
)
async def got_draft(
    query: CallbackQuery,
    callback_data: ResolutionDialogCb,
    state: FSMContext,
    viewer: Viewer,
    resolutions: ResolutionService,
) -> None:
    t = viewer.texts
    draft_id = int(callback_data.value) if callback_data.value.isdigit() else -1
    if draft_id and draft_id not in {d.id for d in await resolutions.open_drafts()}:
        await query.answer(t.plain("errors.stale_button"), show_alert=True)
        return
    await query.answer()
    message = await drop_buttons(query)
    await state.update_data(draft_id=draft_id or None)
    if message is not None:
        await _ask_date(message, state, t)


@staff.message(StateFilter(ResolutionDialog.date), TypedText())
async def got_date(
    message: Message, state: FSMContext, viewer: Viewer, cities: CityService
) -> None:
    t = viewer.texts
    try:
        day = parse_day(message.text or "")
    except DateInputError as error:
        await message.answer(t(f"resolutions.error.date_{error.problem.value}"))
        return
    await state.update_data(date=day.isoformat())
    await state.set_state(ResolutionDialog.city)
    await message.answer(
        t("resolutions.ask.city"),
        reply_markup=cities_keyboard(t, await cities.members(), "resolution"),
    )


async def _ask_title(message: Message, state: FSMContext, t: Texts) -> None:
    await state.set_state(ResolutionDialog.title)
    await message.answer(t("resolutions.ask.title"))


@staff.callback_query(
    StateFilter(ResolutionDialog.city), CityPickCb.filter(F.purpose == "resolution")
)
async def picked_city(
    query: CallbackQuery,
    callback_data: CityPickCb,
    state: FSMContext,
    viewer: Viewer,
    cities: CityService,
) -> None:
    city = await cities.get(callback_data.city_id)
    if city is None:
        await query.answer(viewer.texts.plain("errors.stale_button"), show_alert=True)
        return
    await query.answer()
    message = await drop_buttons(query)
    await state.update_data(city_id=city.id, city_name=city.name)
    if message is not None:
        await _ask_title(message, state, viewer.texts)


@staff.message(StateFilter(ResolutionDialog.city), TypedText())
async def typed_city(
    message: Message, state: FSMContext, viewer: Viewer, cities: CityService
) -> None:
    typed = " ".join((message.text or "").split())
    if not typed or len(typed) > CITY_MAX:
        await message.answer(viewer.texts("resolutions.error.city", limit=CITY_MAX))
        return
    member = await cities.named(typed)
    await state.update_data(
        city_id=member.id if member else None, city_name=member.name if member else typed
    )
    await _ask_title(message, state, viewer.texts)


@staff.message(StateFilter(ResolutionDialog.title), TypedText())
async def got_title(message: Message, state: FSMContext, viewer: Viewer) -> None:
    t = viewer.texts
    title = " ".join((message.text or "").split())
    if not title or len(title) > TITLE_MAX:
        await message.answer(t("resolutions.error.title", limit=TITLE_MAX))
        return
    await state.update_data(title=title, pasted=[])
    await state.set_state(ResolutionDialog.text)
    await message.answer(t("resolutions.ask.text"))


@staff.message(StateFilter(ResolutionDialog.text), HasDocument())
async def got_file(
    message: Message,
    state: FSMContext,
    viewer: Viewer,
    bot: Bot,
    resolutions: ResolutionService,
) -> None:
    t = viewer.texts
    document = message.document
    assert document is not None
    name = document.file_name or "document"
    lower = name.lower()
    if not lower.endswith((".docx", ".txt")):
        await message.answer(t("resolutions.error.file_type", name=name))
        return
    if (document.file_size or 0) > FILE_MAX:
        await message.answer(t("resolutions.error.file_size"))
        return
    buffer = io.BytesIO()
    await bot.download(document, destination=buffer)
    content = buffer.getvalue()
    reader = read_docx if lower.endswith(".docx") else read_txt
    try:
        paragraphs = await asyncio.to_thread(reader, content)
    except UnreadableFile:
        await message.answer(t("resolutions.error.unreadable", name=name))
        return
    key = await resolutions.keep_file(
        document.file_unique_id, name, content, document.mime_type, document.file_id
    )
    await _got_text(message, state, viewer, resolutions, paragraphs, key, name)


@staff.message(StateFilter(ResolutionDialog.text), TypedText())
async def pasted(message: Message, state: FSMContext, viewer: Viewer) -> None:
    """Long texts arrive in several messages (Telegram splits a long paste): collect them."""
    t = viewer.texts
    data = await state.get_data()
    pieces = [*data.get("pasted", []), message.text or ""]
    await state.update_data(pasted=pieces)
    size = sum(len(p) for p in pieces)
    await message.answer(
        t("resolutions.pasted", n=len(pieces), chars=size), reply_markup=resolution_text_keyboard(t)
    )


@staff.callback_query(
    StateFilter(ResolutionDialog.text), ResolutionDialogCb.filter(F.action == "done")
)
async def pasted_done(
    query: CallbackQuery, state: FSMContext, viewer: Viewer, resolutions: ResolutionService
) -> None:
    paragraphs = from_text("\n".join((await state.get_data()).get("pasted", [])))
    if not paragraphs:
        await query.answer(viewer.texts.plain("resolutions.alert.no_text"), show_alert=True)
        return
    await query.answer()
    message = await drop_buttons(query)
    if message is not None:
        await _got_text(message, state, viewer, resolutions, paragraphs, None, None)


@staff.message(StateFilter(ResolutionDialog), NotCommand())
async def not_expected(message: Message, state: FSMContext, viewer: Viewer) -> None:
    step = (await state.get_state() or "").rpartition(":")[2]
    if step == "text":  # a photo or a sticker instead of the text
        key = "resolutions.ask.text"
    elif step in {"date", "city", "title"}:
        key = "resolutions.error.text"
    else:
        key = "resolutions.error.press"
    await message.answer(viewer.texts(key))


async def _got_text(
    message: Message,
    state: FSMContext,
    viewer: Viewer,
    resolutions: ResolutionService,
    paragraphs: list[str],
    file_key: str | None,
    file_name: str | None,
) -> None:
    t = viewer.texts
    body = "\n".join(paragraphs)
    if len(body) > BODY_MAX:
        await message.answer(t("resolutions.error.body_long", limit=BODY_MAX))
        return
    await state.update_data(body=body, file_key=file_key, file_name=file_name, pasted=[])
    await state.set_state(ResolutionDialog.preview)
    new = _new(await state.get_data())
    shown = Resolution(
        id=0,
        status=new.status,
        assembly_date=new.assembly_date,
        city_name=new.city_name,
        city_name_en=None,
        title=new.title,
        body=new.body,
        file_key=file_key,
        file_name=file_name,
        adopted_id=None,
        draft_id=new.draft_id,
    )
    chunks = text_chunks(body)
    await message.answer(header_text(t, shown, parts=len(chunks)))
    await message.answer(str(escape(chunks[0])))
    draft = await resolutions.get(new.draft_id) if new.draft_id else None
    await message.answer(
        t(
            "resolutions.preview",
            parts=len(chunks),
            chars=len(body),
            file_name=file_name,
            draft=draft.title if draft else None,
            count=len(await resolutions.recipients(new.status)),
            status=new.status.value,
        ),
        reply_markup=resolution_preview_keyboard(t),
    )


def _new(data: dict[str, Any]) -> NewResolution:
    return NewResolution(
        status=ResolutionStatus(data["status"]),
        assembly_date=date.fromisoformat(data["date"]),
        city_id=data.get("city_id"),
        city_name=data["city_name"],
        title=data["title"],
        body=data["body"],
        file_key=data.get("file_key"),
        file_name=data.get("file_name"),
        draft_id=data.get("draft_id"),
    )


@staff.callback_query(
    StateFilter(ResolutionDialog.preview), ResolutionDialogCb.filter(F.action == "retext")
)
async def replace_text(query: CallbackQuery, state: FSMContext, viewer: Viewer) -> None:
    await query.answer()
    message = await drop_buttons(query)
    await state.update_data(pasted=[], body=None, file_key=None, file_name=None)
    await state.set_state(ResolutionDialog.text)
    if message is not None:
        await message.answer(viewer.texts("resolutions.ask.text"))


@staff.callback_query(
    StateFilter(ResolutionDialog.preview), ResolutionDialogCb.filter(F.action == "publish")
)
async def publish(
    query: CallbackQuery, state: FSMContext, viewer: Viewer, resolutions: ResolutionService
) -> None:
    data = await state.get_data()
    await query.answer()
    message = await drop_buttons(query)
    published = await resolutions.publish(viewer, _new(data))
    await state.clear()  # only now: if publishing failed, the dialog is still there
    if message is not None:
        await message.answer(
            viewer.texts(
                "resolutions.published",
                title=published.resolution.title,
                n=published.recipients,
                status=published.resolution.status.value,
                draft_taken=published.draft_taken,
            )
        )


@staff.callback_query(ResolutionDialogCb.filter(F.action == "abort"))
async def abort(query: CallbackQuery, state: FSMContext, viewer: Viewer) -> None:
    if (await state.get_state() or "").startswith(ResolutionDialog.__name__):
        await state.clear()
    await query.answer()
    if isinstance(query.message, Message):
        await show(query.message, viewer.texts("resolutions.aborted"), None)
