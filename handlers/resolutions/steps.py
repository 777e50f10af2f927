"""The steps of the resolution dialog: the form being filled and what each step asks and
takes (status, draft, date, city, title, the text from a file or pasted). To add a step:
a field on `ResolutionForm`, an ask and an input function, and a `Step` in `STEPS`."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.types import Message
from pydantic import BaseModel

from bot.clock import Clock
from bot.dates import DateInputError, parse_day
from bot.dialogs import Ask, Asker, Context, Outcome, Problem, Stay, Step
from bot.resolutions.files import UnreadableFile, from_text, read_docx, read_txt
from bot.resolutions.service import BODY_MAX, TITLE_MAX, ResolutionService
from bot.services.cities import CityService
from bot.settings import Settings
from bot.ui import cities_rows
from handlers.common import document_bytes
from handlers.dialog_steps import chosen
from storage.resolutions import NewResolution, Resolution
from storage.values import ResolutionStatus

FILE_MAX = 20 * 1024 * 1024  # what a bot may download from Telegram
CITY_MAX = 100


class ResolutionForm(BaseModel):
    status: ResolutionStatus | None = None
    draft_id: int | None = None  # an adopted text: the draft it adopts
    assembly_date: date | None = None
    city_id: int | None = None
    city_name: str = ""
    title: str = ""
    pasted: list[str] = []  # a long text pasted in several messages, until "Done"
    body: str = ""
    file_key: str | None = None
    file_name: str | None = None
    resolution_id: int | None = None  # a correction of this resolution, at `version`
    version: int = 0

    @classmethod
    def of(cls, resolution: Resolution) -> ResolutionForm:
        """The form to correct `resolution`: its fields of the same name (it keeps no city
        id: the city is as it was written)."""
        form = cls.model_validate(resolution, from_attributes=True)
        return form.model_copy(update={"resolution_id": resolution.id})

    def new(self) -> NewResolution:
        assert self.status is not None, "the dialog asks it first"
        assert self.assembly_date is not None
        return NewResolution(
            status=self.status,
            assembly_date=self.assembly_date,
            city_id=self.city_id,
            city_name=self.city_name,
            title=self.title,
            body=self.body,
            file_key=self.file_key,
            file_name=self.file_name,
            draft_id=self.draft_id,
        )


Ctx = Context[ResolutionForm]


def _resolutions(ctx: Ctx) -> ResolutionService:
    return ctx.get("resolutions", ResolutionService)


async def ask_status(ctx: Ctx) -> Ask:
    choices = [(ctx.t.plain(f"resolutions.status.{s.value}"), s.value) for s in ResolutionStatus]
    return Ask(ctx.t("resolutions.ask.status"), ctx.options(choices))


async def got_status(ctx: Ctx, value: str) -> Outcome[ResolutionForm]:
    return chosen(ctx, ResolutionStatus, value, "status", draft_id=None)


async def _drafts(ctx: Ctx) -> list[Resolution]:
    """Drafts an adopted text may adopt: the open ones, and (in a correction) its own."""
    resolutions = _resolutions(ctx)
    drafts = await resolutions.open_drafts()
    own = ctx.draft.draft_id
    if ctx.draft.resolution_id is not None and own and own not in {d.id for d in drafts}:
        current = await resolutions.get(own)
        drafts = [current, *drafts] if current else drafts
    return drafts


async def ask_draft(ctx: Ctx) -> Ask | None:
    """Which draft an adopted text adopts (nothing to ask when no draft is open)."""
    drafts = await _drafts(ctx)
    if not drafts:
        return None
    t = ctx.t
    choices = [
        (t.plain("resolutions.btn.draft", date=d.assembly_date, title=d.title), str(d.id))
        for d in drafts
    ]
    choices.append((t.plain("resolutions.btn.no_draft"), "0"))
    return Ask(t("resolutions.ask.draft"), ctx.options(choices))


async def got_draft(ctx: Ctx, value: str) -> Outcome[ResolutionForm]:
    draft_id = int(value) if value.isdigit() else -1
    if draft_id and draft_id not in {d.id for d in await _drafts(ctx)}:
        return Problem("errors.stale_button")
    return ctx.draft.model_copy(update={"draft_id": draft_id or None})


def _tz(ctx: Ctx) -> ZoneInfo:
    return ctx.get("settings", Settings).tz


async def got_date(ctx: Ctx, text: str) -> Outcome[ResolutionForm]:
    try:
        day = parse_day(text, today=ctx.get("clock", Clock).now().astimezone(_tz(ctx)).date())
    except DateInputError as error:
        return Problem(error.key("dates.day"), error.values)
    return ctx.draft.model_copy(update={"assembly_date": day})


async def ask_city(ctx: Ctx) -> Ask:
    members = await ctx.get("cities", CityService).members()
    return Ask(ctx.t("resolutions.ask.city"), ctx.keyboard(cities_rows(ctx.t, members)))


async def picked_city(ctx: Ctx, value: str) -> Outcome[ResolutionForm]:
    city = await ctx.get("cities", CityService).get(int(value) if value.isdigit() else 0)
    if city is None:
        return Problem("errors.stale_button")
    return ctx.draft.model_copy(update={"city_id": city.id, "city_name": city.name})


async def typed_city(ctx: Ctx, text: str) -> Outcome[ResolutionForm]:
    typed = " ".join(text.split())
    if not typed or len(typed) > CITY_MAX:
        return Problem("resolutions.error.city", {"limit": CITY_MAX})
    member = await ctx.get("cities", CityService).named(typed)
    update = {
        "city_id": member.id if member else None,
        "city_name": member.name if member else typed,
    }
    return ctx.draft.model_copy(update=update)


async def got_title(ctx: Ctx, text: str) -> Outcome[ResolutionForm]:
    title = " ".join(text.split())
    if not title or len(title) > TITLE_MAX:
        return Problem("resolutions.error.title", {"limit": TITLE_MAX})
    return ctx.draft.model_copy(update={"title": title})


def _ask(step: str) -> Asker[ResolutionForm]:
    async def ask(ctx: Ctx) -> Ask:
        return Ask(ctx.t(f"resolutions.ask.{step}"))

    return ask


def _text_problem(paragraphs: list[str]) -> Problem | None:
    if len("\n".join(paragraphs)) > BODY_MAX:
        return Problem("resolutions.error.body_long", {"limit": BODY_MAX})
    return None


async def _with_text(
    ctx: Ctx, paragraphs: list[str], key: str | None, name: str | None
) -> ResolutionForm:
    """The draft with its new text; the file it replaces, if any, is not kept."""
    if ctx.draft.file_key and ctx.draft.file_key != key:
        await _resolutions(ctx).drop_upload(ctx.draft.file_key)
    update: dict[str, Any] = {
        "body": "\n".join(paragraphs),
        "file_key": key,
        "file_name": name,
        "pasted": [],
    }
    return ctx.draft.model_copy(update=update)


async def pasted(ctx: Ctx, text: str) -> Outcome[ResolutionForm]:
    """Long texts arrive in several messages (Telegram splits a long paste): collect them."""
    pieces = [*ctx.draft.pasted, text]
    t = ctx.t
    done = ctx.keyboard([[(t.plain("resolutions.btn.text_done"), "pick", "done")]])
    ask = Ask(t("resolutions.pasted", n=len(pieces), chars=sum(len(p) for p in pieces)), done)
    return Stay(ctx.draft.model_copy(update={"pasted": pieces}), ask)


async def pasted_done(ctx: Ctx, value: str) -> Outcome[ResolutionForm]:
    paragraphs = from_text("\n".join(ctx.draft.pasted))
    if value != "done" or not paragraphs:
        return Problem("resolutions.alert.no_text")
    return _text_problem(paragraphs) or await _with_text(ctx, paragraphs, None, None)


async def got_file(ctx: Ctx, message: Message) -> Outcome[ResolutionForm]:
    """A .docx or .txt: read (off the event loop, bounded), checked, and only then kept."""
    document = message.document
    assert document is not None
    name = document.file_name or "document"
    lower = name.lower()
    if not lower.endswith((".docx", ".txt")):
        return Problem("resolutions.error.file_type", {"name": name})
    if (document.file_size or 0) > FILE_MAX:
        return Problem("resolutions.error.file_size")
    content = await document_bytes(ctx.get("bot", Bot), document)
    reader = read_docx if lower.endswith(".docx") else read_txt
    try:
        paragraphs = await asyncio.to_thread(reader, content)
    except UnreadableFile as error:
        return Problem(f"resolutions.error.{error.key}", {"name": name})
    problem = _text_problem(paragraphs)
    if problem is not None:
        return problem
    key = await _resolutions(ctx).keep_file(
        document.file_unique_id, name, content, document.mime_type, document.file_id
    )
    return await _with_text(ctx, paragraphs, key, name)


STEPS: list[Step[ResolutionForm]] = [
    Step("status", ask_status, pressed=got_status),
    Step(
        "draft",
        ask_draft,
        pressed=got_draft,
        applies=lambda form: form.status is ResolutionStatus.ADOPTED,
        label="resolutions.step.draft",
    ),
    Step("date", _ask("date"), typed=got_date, label="resolutions.step.date"),
    Step("city", ask_city, pressed=picked_city, typed=typed_city, label="resolutions.step.city"),
    Step("title", _ask("title"), typed=got_title, label="resolutions.step.title"),
    Step(
        "text",
        _ask("text"),
        typed=pasted,
        pressed=pasted_done,
        file=got_file,
        not_expected="resolutions.ask.text",
        label="resolutions.step.text",
    ),
]
