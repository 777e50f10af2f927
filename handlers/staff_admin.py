"""Owners: /staff lists the staff; /staff add <id>, /staff remove <id>."""

from __future__ import annotations

import re

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.commands import CommandMenus
from bot.filters import IsOwner, PrivateChat
from bot.services.people import PeopleService
from bot.services.staff import StaffChange, StaffService
from bot.texts import Texts
from bot.viewer import Viewer

USERNAME = re.compile(r"^@?[A-Za-z][A-Za-z0-9_]{3,31}$")

router = Router(name=__name__)
router.message.filter(PrivateChat(), IsOwner())


@router.message(Command("staff"))
async def staff_command(
    message: Message,
    command: CommandObject,
    t: Texts,
    viewer: Viewer,
    staff: StaffService,
    menus: CommandMenus,
    people: PeopleService,
) -> None:
    action, _, rest = (command.args or "").strip().partition(" ")
    if not action:
        listing = await staff.list()
        await message.answer(t("staff.list", owners=listing.owners, staff=listing.staff))
        return
    target = rest.strip()
    if action not in {"add", "remove"} or not target:
        await message.answer(t("staff.usage"))
        return
    if target.isdigit():
        person_id = int(target)
    elif USERNAME.match(target):  # @username: someone who has started the bot
        person = await people.by_username(target)
        if person is None:
            await message.answer(t("staff.unknown_username", username=target.lstrip("@")))
            return
        person_id = person.id
    else:
        await message.answer(t("staff.usage"))
        return
    if action == "add":
        change = await staff.add(viewer, person_id)
    else:
        change = await staff.remove(viewer, person_id)
    await message.answer(t(f"staff.{action}_{change.value}", person_id=person_id))
    if change is StaffChange.DONE:
        await menus.refresh_person(person_id)
