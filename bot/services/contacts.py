"""City contacts: invites from staff, requests approved by staff, removal."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from aiogram.types import InlineKeyboardMarkup

from bot.clock import Clock
from bot.keyboards import request_decision_keyboard
from bot.services.notify import Notifier
from bot.services.people import PeopleService, Viewer
from bot.texts import Texts
from storage.audit import AuditRepo
from storage.cities import City, CityRepo
from storage.contacts import (
    Contact,
    ContactRepo,
    ContactRequest,
    InviteRepo,
    Redeem,
    RequestRepo,
    RequestStatus,
)
from storage.people import Person

log = logging.getLogger(__name__)

INVITE_PREFIX = "inv_"


@dataclass(frozen=True, slots=True)
class NewInvite:
    token: str
    city: City
    expires_at: datetime

    @property
    def payload(self) -> str:
        """The /start payload: letters, digits, _ and - only, well under 64 characters."""
        return f"{INVITE_PREFIX}{self.token}"


@dataclass(frozen=True, slots=True)
class InviteResult:
    outcome: Redeem
    city: City | None = None


class Ask(StrEnum):
    SENT = "sent"
    ALREADY_CONTACT = "already_contact"
    PENDING = "pending"
    NO_CITY = "no_city"


@dataclass(frozen=True, slots=True)
class AskResult:
    outcome: Ask
    city: City | None = None


class Decision(StrEnum):
    DONE = "done"
    ALREADY_DECIDED = "already_decided"
    GONE = "gone"


@dataclass(frozen=True, slots=True)
class DecisionResult:
    outcome: Decision
    request: ContactRequest | None = None
    city: City | None = None
    person: Person | None = None


def person_label(person: Person | None, person_id: int) -> dict[str, object]:
    """Template values naming a person: name, @username, id."""
    if person is None:
        return {"name": "", "username": None, "person_id": person_id}
    return {"name": person.full_name, "username": person.username, "person_id": person.id}


class ContactService:
    def __init__(
        self,
        cities: CityRepo,
        contacts: ContactRepo,
        invites: InviteRepo,
        requests: RequestRepo,
        audit: AuditRepo,
        people: PeopleService,
        notifier: Notifier,
        clock: Clock,
        invite_ttl: timedelta,
    ) -> None:
        self.cities = cities
        self.contacts = contacts
        self.invites = invites
        self.requests = requests
        self.audit = audit
        self.people = people
        self.notifier = notifier
        self.clock = clock
        self.invite_ttl = invite_ttl

    # --- invites ----------------------------------------------------------------------------

    async def create_invite(self, staff: Viewer, city: City) -> NewInvite:
        now = self.clock.now()
        token = secrets.token_urlsafe(18)
        invite = await self.invites.create(
            token, city.id, created_by=staff.id, now=now, expires_at=now + self.invite_ttl
        )
        await self.audit.record(staff.id, "invite.create", city.name, now=now)
        return NewInvite(token=token, city=city, expires_at=invite.expires_at)

    async def redeem(self, viewer: Viewer, payload: str) -> InviteResult:
        """Bind the person to the invite's city; the staff member who made it is told."""
        token = payload.removeprefix(INVITE_PREFIX)
        now = self.clock.now()
        result = await self.invites.redeem(token, viewer.id, now=now)
        city = await self.cities.get(result.invite.city_id) if result.invite else None
        if result.outcome is Redeem.OK and result.invite and city:
            await self.audit.record(viewer.id, "contact.invite_used", city.name, now=now)
            person = viewer.person
            await self.notifier.send(
                result.invite.created_by,
                lambda t: (
                    t(
                        "contacts.invite_used_staff",
                        city=city.title(t.locale),
                        **person_label(person, viewer.id),
                    ),
                    None,
                ),
            )
        return InviteResult(outcome=result.outcome, city=city)

    # --- requests ---------------------------------------------------------------------------

    async def ask(self, viewer: Viewer, city_id: int) -> AskResult:
        """A person asks to become a contact of a city; every staff member gets the request."""
        city = await self.cities.get(city_id)
        if city is None or not city.is_member:
            return AskResult(Ask.NO_CITY)
        if city.id in viewer.city_ids:
            return AskResult(Ask.ALREADY_CONTACT, city)
        request_id = await self.requests.create(viewer.id, city.id, now=self.clock.now())
        if request_id is None:
            return AskResult(Ask.PENDING, city)
        person = viewer.person
        staff_ids = await self.people.staff_ids()

        def render(t: Texts) -> tuple[str, InlineKeyboardMarkup | None]:
            text = t(
                "contacts.request_staff",
                city=city.title(t.locale),
                **person_label(person, viewer.id),
            )
            return text, request_decision_keyboard(t, request_id)

        notices = await self.notifier.send_many(sorted(staff_ids), render)
        await self.requests.add_notices(request_id, notices)
        return AskResult(Ask.SENT, city)

    async def decide(self, staff: Viewer, request_id: int, *, approve: bool) -> DecisionResult:
        """Approve or reject; the person is told, and every staff copy of the request updated."""
        now = self.clock.now()
        request, decided_now = await self.requests.decide(
            request_id, approve=approve, staff_id=staff.id, now=now
        )
        if request is None:
            return DecisionResult(Decision.GONE)
        city = await self.cities.get(request.city_id)
        person = (await self.people.viewer_of(request.person_id)).person
        if not decided_now:
            return DecisionResult(Decision.ALREADY_DECIDED, request, city, person)
        if city is None:
            return DecisionResult(Decision.GONE, request)
        await self.audit.record(
            staff.id,
            "contact.approve" if approve else "contact.reject",
            city.name,
            now=now,
            person_id=request.person_id,
        )
        outcome_key = "contacts.request_approved" if approve else "contacts.request_rejected"
        await self.notifier.send(
            request.person_id, lambda t: (t(outcome_key, city=city.title(t.locale)), None)
        )
        decider = staff.person

        def render(t: Texts) -> tuple[str, InlineKeyboardMarkup | None]:
            return (
                t(
                    "contacts.request_decided",
                    city=city.title(t.locale),
                    approved=request.status is RequestStatus.APPROVED,
                    decider=decider.full_name if decider else str(staff.id),
                    **person_label(person, request.person_id),
                ),
                None,
            )

        await self.notifier.edit(await self.requests.notices(request_id), render)
        return DecisionResult(Decision.DONE, request, city, person)

    # --- the list ---------------------------------------------------------------------------

    async def all_contacts(self) -> list[Contact]:
        return await self.contacts.all()

    async def get(self, city_id: int, person_id: int) -> Contact | None:
        return await self.contacts.get(city_id, person_id)

    async def remove(self, staff: Viewer, city_id: int, person_id: int) -> Contact | None:
        """Remove a contact; they are told. None if they were not a contact (any more)."""
        contact = await self.contacts.get(city_id, person_id)
        if contact is None or not await self.contacts.remove(city_id, person_id):
            return None
        await self.audit.record(
            staff.id, "contact.remove", contact.city.name, now=self.clock.now(), person_id=person_id
        )
        await self.notifier.send(
            person_id,
            lambda t: (t("contacts.removed_person", city=contact.city.title(t.locale)), None),
        )
        return contact
