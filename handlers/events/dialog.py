"""Staff: /event_new and "Edit" on a card: the event dialog (steps in
`handlers/events/steps.py`), its preview, publishing and saving an edit."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from markupsafe import Markup

from bot.buttons import Stale, found
from bot.callbacks import EventCb
from bot.dialogs import Ask, Dialog, Labels
from bot.events.messages import card_text, changes
from bot.events.service import KIND_TOPIC, EventService
from bot.filters import IsStaff, PrivateChat
from bot.settings import Settings
from handlers.events.cards import still_open
from handlers.events.steps import (
    STEPS,
    Ctx,
    EventForm,
)
from storage.events import EditConflict

router = Router(name=__name__)
router.message.filter(PrivateChat(), IsStaff())
router.callback_query.filter(IsStaff())


# --- the preview and what it leads to ---------------------------------------------------


async def preview(ctx: Ctx) -> Ask:
    t, form = ctx.t, ctx.draft
    events = ctx.get("events", EventService)
    shown = form.event(ctx.viewer.id)
    card = Markup(card_text(t, shown))
    first = ("events.btn.publish", "publish")
    if form.event_id is None:
        topic = KIND_TOPIC[shown.kind]
        text = t(
            "events.preview",
            card=card,
            count=len(await events.audience(shown.kind)),
            topic=t.plain(f"topic.{topic.value}") if topic else None,
            channel=ctx.get("settings", Settings).announce_channel_id is not None,
        )
    else:
        first = ("events.btn.save", "save")
        before = await events.card(form.event_id, ctx.viewer.id)
        ctx.say(t("events.preview_card", card=card))  # the changes may be long
        text = t(
            "events.preview_edit",
            changes=changes(t, before.event, shown) if before else [],
            count=before.going if before else 0,
        )
    rows = [[(t.plain(first[0]), first[1], "")], [(t.plain("events.btn.change"), "fields", "")]]
    return Ask(text, ctx.keyboard(rows))


async def publish(ctx: Ctx, message: Message) -> None:
    if ctx.draft.event_id is not None:
        raise Stale
    published = await ctx.get("events", EventService).publish(ctx.viewer, ctx.draft.draft())
    await ctx.finish()  # only now: if publishing failed, the dialog is still there
    await message.edit_reply_markup(reply_markup=None)
    title, n = published.event.title, published.recipients
    await message.answer(ctx.t("events.published", title=title, n=n))


async def save(ctx: Ctx, message: Message) -> None:
    form = ctx.draft
    if form.event_id is None:
        raise Stale
    events = ctx.get("events", EventService)
    changed = await events.update(ctx.viewer, form.event_id, form.draft(), form.version)
    await ctx.finish()
    if changed is None:
        raise Stale("events.alert.cancelled")
    await message.edit_reply_markup(reply_markup=None)
    if isinstance(changed, EditConflict):  # another staff member saved it meanwhile
        raise Stale("events.alert.edited_meanwhile")
    await message.answer(ctx.t("events.saved", title=changed.after.title, n=changed.notified))


dialog = Dialog(
    "ev",
    EventForm,
    STEPS,
    preview=preview,
    actions={"publish": publish, "save": save},
    labels=Labels(
        abort="events.btn.abort",
        press="events.error.press",
        text="events.error.text",
        fields="events.edit_menu",
        aborted="events.aborted",
        failed="events.failed",
    ),
    command="event_new",
    router=router,
)


@router.callback_query(EventCb.filter(F.action == "edit"))
async def begin_edit(
    query: CallbackQuery,
    callback_data: EventCb,
    message: Message,
    state: FSMContext,
    events: EventService,
    **data: Any,
) -> None:
    event = still_open(found(await events.get(callback_data.event_id)), events)
    await dialog.edit(message, state, {**data, "events": events}, EventForm.of(event))
