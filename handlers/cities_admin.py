"""Staff: /cities lists the member cities; `/cities add` and `/cities remove` edit the list."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from bot.buttons import found
from bot.callbacks import CityAdminCb
from bot.filters import IsStaff, MenuButton, PrivateChat
from bot.services.cities import CityService
from bot.texts import Texts
from bot.ui import confirm_city_removal_keyboard
from bot.viewer import Viewer
from handlers.common import answer_long

router = Router(name=__name__)
router.message.filter(PrivateChat(), IsStaff())
router.callback_query.filter(IsStaff())


@router.message(Command("cities"))
@router.message(MenuButton("cities"))
async def cities_command(
    message: Message,
    t: Texts,
    viewer: Viewer,
    cities: CityService,
    command: CommandObject | None = None,
) -> None:
    action, _, rest = ((command.args or "") if command else "").strip().partition(" ")
    rest = rest.strip()
    if action == "add" and rest:
        name, _, name_en = (part.strip() for part in rest.partition("/"))
        city, added = await cities.add(viewer.id, name, name_en or None)
        key = "cities.added" if added else "cities.already"
        await message.answer(t(key, city=city.title(t.locale)))
        return
    if action == "remove" and rest:
        found = await cities.find(rest)
        if len(found) != 1:
            await message.answer(t("cities.remove_which", query=rest, found=found))
            return
        city = found[0]
        await message.answer(
            t("cities.remove_confirm", city=city.title(t.locale)),
            reply_markup=confirm_city_removal_keyboard(t, city),
        )
        return
    if action:
        await message.answer(t("cities.usage"))
        return
    rows = await cities.overview()
    await answer_long(message, t("cities.list", rows=rows))


@router.callback_query(CityAdminCb.filter())
async def remove_city(
    query: CallbackQuery,
    callback_data: CityAdminCb,
    message: Message,
    t: Texts,
    viewer: Viewer,
    cities: CityService,
) -> None:
    city = found(await cities.get(callback_data.city_id))
    if callback_data.action != "remove":
        await message.edit_text(t("cities.remove_cancelled"))
        return
    await cities.remove(viewer.id, city)
    await message.edit_text(t("cities.removed", city=city.title(t.locale)))
