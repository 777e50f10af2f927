"""/subscribe: announcement topics, toggled in place."""

from __future__ import annotations

from contextlib import suppress

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.callbacks import TopicCb
from bot.filters import IsRegistered, MenuButton, PrivateChat
from bot.keyboards import topics_keyboard
from bot.services.people import Viewer
from bot.topics import Topic
from storage.subscriptions import SubscriptionRepo

router = Router(name=__name__)
router.message.filter(PrivateChat(), IsRegistered())
router.callback_query.filter(IsRegistered())


@router.message(Command("subscribe"))
@router.message(MenuButton("subscribe"))
async def show_topics(message: Message, viewer: Viewer, subscriptions: SubscriptionRepo) -> None:
    t = viewer.texts
    topics = await subscriptions.topics_of(viewer.id)
    await message.answer(t("subscribe.prompt"), reply_markup=topics_keyboard(t, topics))


@router.callback_query(TopicCb.filter(F.topic == "done"))
async def done(query: CallbackQuery, viewer: Viewer, subscriptions: SubscriptionRepo) -> None:
    t = viewer.texts
    topics = await subscriptions.topics_of(viewer.id)
    labels = [t.plain(f"topic.{topic.value}") for topic in Topic if topic.value in topics]
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(t("subscribe.summary", labels=labels))


@router.callback_query(TopicCb.filter(F.topic.in_({topic.value for topic in Topic})))
async def toggle(
    query: CallbackQuery, callback_data: TopicCb, viewer: Viewer, subscriptions: SubscriptionRepo
) -> None:
    t = viewer.texts
    topics = await subscriptions.toggle(viewer.id, callback_data.topic)
    on = callback_data.topic in topics
    label = t.plain(f"topic.{callback_data.topic}")
    await query.answer(
        t.plain("subscribe.toggled_on" if on else "subscribe.toggled_off", label=label)
    )
    if isinstance(query.message, Message):
        with suppress(TelegramBadRequest):  # a double tap: the keyboard already shows this
            await query.message.edit_reply_markup(reply_markup=topics_keyboard(t, topics))
