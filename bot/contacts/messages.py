"""What city-contact screens and notices look like: texts and keyboards."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import ContactCb, RequestCb
from bot.delivery.parts import Part, Renderer, TextPart
from bot.inline_buttons import button, column
from bot.texts import Texts
from storage.cities import City
from storage.contacts import Contact
from storage.people import Person


def person_label(person: Person | None, person_id: int) -> dict[str, object]:
    """Template values naming a person: name, @username, id."""
    if person is None:
        return {"name": "", "username": None, "person_id": person_id}
    return {"name": person.full_name, "username": person.username, "person_id": person.id}


def request_decision_keyboard(t: Texts, request_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=t.plain("contacts.approve"),
                    callback_data=RequestCb(request_id=request_id, approve=True).pack(),
                ),
                InlineKeyboardButton(
                    text=t.plain("contacts.reject"),
                    callback_data=RequestCb(request_id=request_id, approve=False).pack(),
                ),
            ]
        ]
    )


def city_contacts_keyboard(t: Texts, contacts: Sequence[Contact]) -> InlineKeyboardMarkup:
    return column(
        *(
            button(
                t.plain("contacts.remove_button", name=contact.person.full_name),
                ContactCb(action="ask", city_id=contact.city.id, person_id=contact.person.id),
            )
            for contact in contacts
        )
    )


def confirm_contact_removal_keyboard(t: Texts, contact: Contact) -> InlineKeyboardMarkup:
    return column(
        *(
            button(
                t.plain(label),
                ContactCb(action=action, city_id=contact.city.id, person_id=contact.person.id),
            )
            for action, label in (("remove", "contacts.remove_yes"), ("keep", "contacts.remove_no"))
        )
    )


# --- notices (see bot.delivery.notify) -------------------------------------------------------


def _invite_used(t: Texts, args: dict[str, Any]) -> list[Part]:
    city: City = args["city"]
    text = t(
        "contacts.invite_used_staff",
        city=city.title(t.locale),
        **person_label(args["person"], args["person_id"]),
    )
    return [TextPart(text)]


def _request(t: Texts, args: dict[str, Any]) -> list[Part]:
    city: City = args["city"]
    text = t(
        "contacts.request_staff",
        city=city.title(t.locale),
        position=args.get("position", ""),
        organisation=args.get("organisation", ""),
        **person_label(args["person"], args["person_id"]),
    )
    return [TextPart(text, request_decision_keyboard(t, args["request_id"]))]


def _decided(t: Texts, args: dict[str, Any]) -> list[Part]:
    city: City = args["city"]
    text = t(
        "contacts.request_decided",
        city=city.title(t.locale),
        approved=args["approved"],
        decider=args["decider"],
        position=args.get("position", ""),
        organisation=args.get("organisation", ""),
        **person_label(args["person"], args["person_id"]),
    )
    return [TextPart(text)]


def _outcome(t: Texts, args: dict[str, Any]) -> list[Part]:
    city: City = args["city"]
    key = "contacts.request_approved" if args["approved"] else "contacts.request_rejected"
    return [TextPart(t(key, city=city.title(t.locale)))]


def _removed(t: Texts, args: dict[str, Any]) -> list[Part]:
    city: City = args["city"]
    return [TextPart(t("contacts.removed_person", city=city.title(t.locale)))]


RENDERERS: dict[str, Renderer] = {
    "contacts.invite_used": _invite_used,
    "contacts.request": _request,
    "contacts.decided": _decided,
    "contacts.outcome": _outcome,
    "contacts.removed": _removed,
}
