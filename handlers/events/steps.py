"""The steps of the event dialog: the form being filled and what each step asks and takes.
To add a step: a field on `EventForm`, an ask and an input function, a `Step` in `STEPS`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from bot.clock import Clock
from bot.dates import DateInputError, parse_when
from bot.dialogs import Ask, Asker, Context, Outcome, Problem, Step
from bot.events import input as limits
from bot.events.input import EndBeforeStart, parse_end
from bot.services.cities import CityService
from bot.settings import Settings
from bot.ui import cities_rows
from handlers.dialog_steps import chosen
from storage.events import Event, EventDraft
from storage.values import EventFormat, EventKind, EventStatus


class EventForm(BaseModel):
    """The event being written: a new one, or an edit of `event_id` at `version`."""

    kind: EventKind | None = None
    title: str = ""
    city_id: int | None = None
    city_name: str = ""
    city_name_en: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    format: EventFormat | None = None
    place: str | None = None
    link: str | None = None
    description: str = ""
    event_id: int | None = None
    version: int = 0

    def event(self, author: int) -> Event:
        """As it will look (for the preview and the change list)."""
        return Event(0, self.draft(), self.city_name_en, EventStatus.PUBLISHED, 1, author)

    def draft(self) -> EventDraft:
        assert self.kind is not None, "the dialog asks it first"
        assert self.starts_at is not None
        assert self.format is not None
        return EventDraft(
            kind=self.kind,
            title=self.title,
            city_id=self.city_id,
            city_name=self.city_name,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            format=self.format,
            place=self.place if self.format.has_place else None,
            link=self.link if self.format.has_link else None,
            description=self.description,
        )

    @classmethod
    def of(cls, event: Event) -> EventForm:
        return cls(
            **event.draft.to_json(),
            city_name_en=event.city_name_en,
            event_id=event.id,
            version=event.version,
        )


Ctx = Context[EventForm]


def _words(text: str) -> str:
    return " ".join(text.split())


def _question(step: str) -> Asker[EventForm]:
    async def ask(ctx: Ctx) -> Ask:
        return Ask(ctx.t(f"events.ask.{step}", editing=ctx.draft.event_id is not None))

    return ask


# --- the steps ----------------------------------------------------------------------------------


async def ask_kind(ctx: Ctx) -> Ask:
    kinds = [(ctx.t.plain(f"events.kind.{kind.value}"), kind.value) for kind in EventKind]
    text = ctx.t("events.ask.kind", editing=ctx.draft.event_id is not None)
    return Ask(text, ctx.options(kinds))


async def got_kind(ctx: Ctx, value: str) -> Outcome[EventForm]:
    return chosen(ctx, EventKind, value, "kind")


async def got_title(ctx: Ctx, text: str) -> Outcome[EventForm]:
    title = _words(text)
    if not title or len(title) > limits.TITLE_MAX:
        return Problem("events.error.title", {"limit": limits.TITLE_MAX})
    return ctx.draft.model_copy(update={"title": title})


async def ask_city(ctx: Ctx) -> Ask:
    members = await ctx.get("cities", CityService).members()
    rows = [*cities_rows(ctx.t, members), [(ctx.t.plain("events.btn.online_only"), "pick", "")]]
    return Ask(ctx.t("events.ask.city"), ctx.keyboard(rows))


async def picked_city(ctx: Ctx, value: str) -> Outcome[EventForm]:
    if value == "":  # online only: no city, and the format is known
        online: dict[str, Any] = {"city_id": None, "city_name": "", "city_name_en": None}
        return ctx.draft.model_copy(update={**online, "format": EventFormat.ONLINE})
    city = await ctx.get("cities", CityService).get(int(value) if value.isdigit() else 0)
    if city is None:
        return Problem("errors.stale_button")
    update = {"city_id": city.id, "city_name": city.name, "city_name_en": city.name_en}
    return ctx.draft.model_copy(update=update)


async def typed_city(ctx: Ctx, text: str) -> Outcome[EventForm]:
    """A member city by name (any case), or any other place as typed."""
    typed = _words(text)
    if not typed or len(typed) > limits.CITY_MAX:
        return Problem("events.error.city", {"limit": limits.CITY_MAX})
    member = await ctx.get("cities", CityService).named(typed)
    if member is None:
        return ctx.draft.model_copy(
            update={"city_id": None, "city_name": typed, "city_name_en": None}
        )
    update = {"city_id": member.id, "city_name": member.name, "city_name_en": member.name_en}
    return ctx.draft.model_copy(update=update)


async def got_start(ctx: Ctx, text: str) -> Outcome[EventForm]:
    settings, clock = ctx.get("settings", Settings), ctx.get("clock", Clock)
    try:
        starts_at = parse_when(text, now=clock.now(), tz=settings.tz)
    except DateInputError as error:
        return Problem(error.key(), error.values)
    ends_at = ctx.draft.ends_at
    if ends_at is not None and ends_at <= starts_at:
        ends_at = None
        ctx.say(ctx.t("events.end_dropped"))
    return ctx.draft.model_copy(update={"starts_at": starts_at, "ends_at": ends_at})


async def got_end(ctx: Ctx, text: str) -> Outcome[EventForm]:
    starts_at = ctx.draft.starts_at
    assert starts_at is not None
    try:
        ends_at = parse_end(text, starts_at, ctx.get("settings", Settings).tz)
    except DateInputError as error:
        return Problem(error.key(), error.values)
    except EndBeforeStart:
        return Problem("events.error.end_before_start", {"starts_at": starts_at})
    return ctx.draft.model_copy(update={"ends_at": ends_at})


async def ask_format(ctx: Ctx) -> Ask:
    formats = [(ctx.t.plain(f"events.format.{form.value}"), form.value) for form in EventFormat]
    return Ask(ctx.t("events.ask.format"), ctx.options(formats))


async def got_format(ctx: Ctx, value: str) -> Outcome[EventForm]:
    return chosen(ctx, EventFormat, value, "format")


async def got_place(ctx: Ctx, text: str) -> Outcome[EventForm]:
    place = _words(text)
    if len(place) > limits.PLACE_MAX:
        return Problem("events.error.place", {"limit": limits.PLACE_MAX})
    return ctx.draft.model_copy(update={"place": place or None})


async def ask_link(ctx: Ctx) -> Ask:
    later = [[(ctx.t.plain("events.btn.link_later"), "pick", "later")]]
    return Ask(ctx.t("events.ask.link"), ctx.keyboard(later))


async def link_later(ctx: Ctx, value: str) -> Outcome[EventForm]:
    """Published before its link exists: the link is added later by editing the event."""
    if value != "later":
        return Problem("errors.stale_button")
    return ctx.draft.model_copy(update={"link": None})


async def got_link(ctx: Ctx, text: str) -> Outcome[EventForm]:
    link = text.strip()
    if len(link) > limits.LINK_MAX or not limits.LINK_RE.match(link):
        return Problem("events.error.link")
    return ctx.draft.model_copy(update={"link": link})


async def got_description(ctx: Ctx, text: str) -> Outcome[EventForm]:
    description = text.strip()
    if len(description) > limits.DESCRIPTION_MAX:
        return Problem("events.error.description", {"limit": limits.DESCRIPTION_MAX})
    return ctx.draft.model_copy(update={"description": description})


def _has(attribute: str) -> Any:
    def applies(form: EventForm) -> bool:
        return form.format is not None and bool(getattr(form.format, attribute))

    return applies


STEPS: list[Step[EventForm]] = [
    Step("kind", ask_kind, pressed=got_kind, label="events.step.kind"),
    Step("title", _question("title"), typed=got_title, label="events.step.title"),
    Step("city", ask_city, pressed=picked_city, typed=typed_city, label="events.step.city"),
    Step("start", _question("start"), typed=got_start, label="events.step.start"),
    Step(
        "end",
        _question("end"),
        typed=got_end,
        skip=lambda form: form.model_copy(update={"ends_at": None}),
        label="events.step.end",
    ),
    Step(
        "format",
        ask_format,
        pressed=got_format,
        applies=lambda form: form.city_name != "",  # no city: online only
        label="events.step.format",
    ),
    Step(
        "place",
        _question("place"),
        typed=got_place,
        skip=lambda form: form.model_copy(update={"place": None}),
        applies=_has("has_place"),
        label="events.step.place",
    ),
    Step(
        "link",
        ask_link,
        typed=got_link,
        pressed=link_later,
        applies=_has("has_link"),
        label="events.step.link",
    ),
    Step(
        "description",
        _question("description"),
        typed=got_description,
        skip=lambda form: form.model_copy(update={"description": ""}),
        label="events.step.description",
    ),
]
