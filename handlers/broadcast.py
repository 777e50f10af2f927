"""Staff: /broadcast (message -> audience -> preview -> now or later), /broadcasts."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from pydantic import BaseModel

from bot.broadcasts.messages import describe, jobs_keyboard, listing_text
from bot.broadcasts.service import Audience, AudienceKind, BroadcastService, Preview
from bot.buttons import Stale
from bot.callbacks import JobCb
from bot.clock import Clock
from bot.dates import DateInputError, parse_when
from bot.dialogs import END, Ask, Context, Dialog, Labels, Outcome, Problem, Stay, Step
from bot.filters import IsStaff, PrivateChat
from bot.services.cities import CityService
from bot.settings import Settings
from bot.texts import Texts
from bot.topics import ALL_TOPICS
from bot.viewer import Viewer
from handlers.dialog_steps import chosen
from handlers.replies import kind_of
from storage.cities import City

router = Router(name=__name__)
router.message.filter(PrivateChat(), IsStaff())
router.callback_query.filter(IsStaff())


class BroadcastForm(BaseModel):
    chat_id: int = 0  # the staff member's message that is copied to everyone
    message_id: int = 0
    source_kind: str = ""  # text, photo, document, other, and its first words: /broadcasts
    words: str = ""
    kind: AudienceKind | None = None
    topic: str | None = None
    city_ids: list[int] = []
    cities_done: bool = False
    scheduling: bool = False

    def preview(self) -> Preview:
        return Preview(self.source_kind, self.words)

    def audience(self) -> Audience:
        assert self.kind is not None, "the dialog asks it first"
        return Audience(self.kind, topic=self.topic, city_ids=tuple(self.city_ids))


Ctx = Context[BroadcastForm]


async def _members(ctx: Ctx) -> list[City]:
    return await ctx.get("cities", CityService).members()


async def ask_message(ctx: Ctx) -> Ask:
    return Ask(ctx.t("broadcast.ask_message"))


async def got_message(ctx: Ctx, message: Message) -> Outcome[BroadcastForm]:
    if (message.text or "").startswith("/"):
        return Problem("broadcast.ask_message")
    preview = Preview.of(kind_of(message), message.text or message.caption or "")
    return ctx.draft.model_copy(
        update={
            "chat_id": message.chat.id,
            "message_id": message.message_id,
            "source_kind": preview.kind,
            "words": preview.words,
        }
    )


async def ask_audience(ctx: Ctx) -> Ask:
    kinds = [(ctx.t.plain(f"broadcast.choose.{kind.value}"), kind.value) for kind in AudienceKind]
    return Ask(ctx.t("broadcast.ask_audience"), ctx.options(kinds))


async def got_audience(ctx: Ctx, value: str) -> Outcome[BroadcastForm]:
    return chosen(ctx, AudienceKind, value, "kind", topic=None, city_ids=[], cities_done=False)


def _back(ctx: Ctx) -> tuple[str, str, str]:
    return (ctx.t.plain("broadcast.back"), "field", "audience")


async def ask_topic(ctx: Ctx) -> Ask:
    rows = [[(ctx.t.plain(f"topic.{topic.value}"), "pick", topic.value)] for topic in ALL_TOPICS]
    return Ask(ctx.t("broadcast.ask_topic"), ctx.keyboard([*rows, [_back(ctx)]]))


async def got_topic(ctx: Ctx, value: str) -> Outcome[BroadcastForm]:
    form = ctx.draft.model_copy(update={"topic": value})
    return form if form.audience().complete else Problem("errors.stale_button")


async def _without_contact(ctx: Ctx) -> set[int]:
    """Member cities with no contact (a broadcast to them reaches no one)."""
    rows = await ctx.get("cities", CityService).overview()
    return {row.city.id for row in rows if not row.contacts}


def _cities_screen(ctx: Ctx, members: list[City], chosen: set[int], empty: set[int]) -> Ask:
    t = ctx.t

    def label(city: City) -> str:
        name = city.title(t.locale)
        if city.id in empty:
            name = t.plain("broadcast.no_contact_mark", label=name)
        return t.plain(f"subscribe.mark_{'on' if city.id in chosen else 'off'}", label=name)

    items = [(label(c), "pick", str(c.id)) for c in members[:96]]
    rows = [items[i : i + 2] for i in range(0, len(items), 2)]
    rows.append([_back(ctx), (t.plain("broadcast.cities_done", n=len(chosen)), "pick", "done")])
    return Ask(t("broadcast.ask_cities", marked=bool(empty)), ctx.keyboard(rows))


async def ask_cities(ctx: Ctx) -> Ask:
    members, empty = await _members(ctx), await _without_contact(ctx)
    return _cities_screen(ctx, members, set(ctx.draft.city_ids), empty)


async def got_city(ctx: Ctx, value: str) -> Outcome[BroadcastForm]:
    """A city toggled (the keyboard is redrawn in place), or "done"."""
    if value == "done":
        if not ctx.draft.city_ids:
            return Problem("broadcast.no_cities")
        return ctx.draft.model_copy(update={"cities_done": True})
    members = await _members(ctx)
    city_id = int(value) if value.isdigit() else 0
    if city_id not in {c.id for c in members}:
        return Problem("errors.stale_button")
    chosen = set(ctx.draft.city_ids) ^ {city_id}
    form = ctx.draft.model_copy(update={"city_ids": sorted(chosen)})
    return Stay(form, _cities_screen(ctx, members, chosen, await _without_contact(ctx)))


async def ask_when(ctx: Ctx) -> Ask:
    return Ask(ctx.t("broadcast.ask_when"))


async def got_when(ctx: Ctx, text: str) -> Outcome[BroadcastForm]:
    t, form = ctx.t, ctx.draft
    settings, clock = ctx.get("settings", Settings), ctx.get("clock", Clock)
    try:
        at = parse_when(text, now=clock.now(), tz=settings.tz)
    except DateInputError as error:
        return Problem(error.key(), error.values)
    await ctx.finish()  # first: a retyped time after a crash must not schedule it twice
    audience = form.audience()
    broadcasts = ctx.get("broadcasts", BroadcastService)
    await broadcasts.schedule(
        ctx.viewer, form.chat_id, form.message_id, audience, at, form.preview()
    )
    described = describe(t, audience, await _members(ctx))
    await ctx.get("bot", Bot).send_message(
        ctx.viewer.id, t("broadcast.scheduled", at=at, audience=described)
    )
    return END


STEPS: list[Step[BroadcastForm]] = [
    Step("message", ask_message, message=got_message),
    Step("audience", ask_audience, pressed=got_audience, resets=("topic", "cities", "when")),
    Step(
        "topic",
        ask_topic,
        pressed=got_topic,
        applies=lambda form: form.kind is AudienceKind.TOPIC,
    ),
    Step(
        "cities",
        ask_cities,
        pressed=got_city,
        applies=lambda form: form.kind is AudienceKind.CITIES,
    ),
    Step(
        "when",
        ask_when,
        typed=got_when,
        applies=lambda form: form.scheduling,
        not_expected="dates.format",
    ),
]


async def preview(ctx: Ctx) -> Ask:
    """The message as recipients will see it, the audience and the count; ask."""
    t, form = ctx.t, ctx.draft
    audience = form.audience()
    count = len(await ctx.get("broadcasts", BroadcastService).recipients(audience))
    described = describe(t, audience, await _members(ctx))
    await ctx.get("bot", Bot).copy_message(
        ctx.viewer.id,
        from_chat_id=form.chat_id,
        message_id=form.message_id,
        disable_notification=True,
    )
    rows = []
    if count > 0:
        rows += [
            [(t.plain("broadcast.send_now"), "send", "")],
            [(t.plain("broadcast.schedule"), "schedule", "")],
        ]
    rows.append([(t.plain("broadcast.change"), "field", "audience")])
    silent: list[str] = []  # chosen cities that have no contact: the count explains itself
    if audience.kind is AudienceKind.CITIES:
        empty = await _without_contact(ctx)
        members = await _members(ctx)
        silent = [c.title(t.locale) for c in members if c.id in empty and c.id in form.city_ids]
    text = t("broadcast.preview", count=count, audience=described, silent=silent)
    return Ask(text, ctx.keyboard(rows))


async def send_now(ctx: Ctx, message: Message) -> None:
    form = ctx.draft
    await ctx.finish()
    await message.edit_text(ctx.t("broadcast.started"))
    broadcasts = ctx.get("broadcasts", BroadcastService)
    await broadcasts.send_now(
        ctx.viewer, form.chat_id, form.message_id, form.audience(), form.preview()
    )


async def schedule(ctx: Ctx, message: Message) -> None:
    await message.edit_reply_markup(reply_markup=None)
    ctx.draft = ctx.draft.model_copy(update={"scheduling": True})
    await dialog.advance(ctx, message)


dialog = Dialog(
    "bc",
    BroadcastForm,
    STEPS,
    preview=preview,
    actions={"send": send_now, "schedule": schedule},
    labels=Labels(
        abort="broadcast.abort",
        press="broadcast.press",
        text="dates.format",
        fields="broadcast.ask_audience",
        aborted="broadcast.aborted",
        failed="broadcast.failed",
    ),
    command="broadcast",
    router=router,
)


# --- the list, and cancelling -------------------------------------------------------------------


@router.message(Command("broadcasts"))
async def list_broadcasts(
    message: Message, t: Texts, broadcasts: BroadcastService, cities: CityService
) -> None:
    summaries = await broadcasts.recent()
    await message.answer(
        listing_text(t, summaries, await cities.members()), reply_markup=jobs_keyboard(t, summaries)
    )


@router.callback_query(JobCb.filter(F.action == "cancel"))
async def cancel_job(
    query: CallbackQuery,
    callback_data: JobCb,
    t: Texts,
    viewer: Viewer,
    broadcasts: BroadcastService,
    cities: CityService,
    callback_answer: CallbackAnswer,
) -> None:
    if not await broadcasts.is_active(callback_data.job_id):
        raise Stale("broadcast.already_over")
    # Answered at once: stopping may take a moment.
    await query.answer(t.plain("broadcast.cancelled"))
    callback_answer.disable()
    job = await broadcasts.cancel(viewer, callback_data.job_id)
    message = query.message
    if job is None or not isinstance(message, Message):
        return
    if message.message_id != job.progress_message_id:
        summaries = await broadcasts.recent()
        await message.edit_text(
            listing_text(t, summaries, await cities.members()),
            reply_markup=jobs_keyboard(t, summaries),
        )
