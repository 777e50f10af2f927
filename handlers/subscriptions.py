"""/subscribe: announcement topics, toggled in place."""

from __future__ import annotations

from contextlib import suppress

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.buttons import found
from bot.callbacks import TopicCb
from bot.filters import IsRegistered, MenuButton, PrivateChat
from bot.services.subscriptions import SubscriptionService
from bot.texts import Texts
from bot.topics import Topic
from bot.ui import topics_keyboard
from bot.viewer import Viewer

router = Router(name=__name__)
router.message.filter(PrivateChat(), IsRegistered())
router.callback_query.filter(IsRegistered())


@router.message(Command("subscribe"))
@router.message(MenuButton("subscribe"))
async def show_topics(
    message: Message, t: Texts, viewer: Viewer, subscriptions: SubscriptionService
) -> None:
    topics = await subscriptions.topics_of(viewer.id)
    await message.answer(t("subscribe.prompt"), reply_markup=topics_keyboard(t, topics))


@router.callback_query(TopicCb.filter(F.topic == "done"))
async def done(
    query: CallbackQuery,
    message: Message,
    t: Texts,
    viewer: Viewer,
    subscriptions: SubscriptionService,
) -> None:
    topics = await subscriptions.topics_of(viewer.id)
    labels = [t.plain(f"topic.{topic.value}") for topic in Topic if topic.value in topics]
    await message.edit_text(t("subscribe.summary", labels=labels))


@router.callback_query(TopicCb.filter())
async def toggle(
    query: CallbackQuery,
    callback_data: TopicCb,
    message: Message,
    t: Texts,
    viewer: Viewer,
    subscriptions: SubscriptionService,
    callback_answer: CallbackAnswer,
) -> None:
    topics = found(await subscriptions.toggle(viewer.id, callback_data.topic))
    on = callback_data.topic in topics
    label = t.plain(f"topic.{callback_data.topic}")
    callback_answer.text = t.plain(
        "subscribe.toggled_on" if on else "subscribe.toggled_off", label=label
    )
    with suppress(TelegramBadRequest):  # a double tap: the keyboard already shows this
        await message.edit_reply_markup(reply_markup=topics_keyboard(t, topics))
