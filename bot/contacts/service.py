"""City contacts: invites from staff, requests approved by staff, removal."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Generic, TypeVar

from bot.clock import Clock
from bot.delivery.notify import Notifier
from bot.services.people import PeopleService
from bot.viewer import Viewer
from storage.audit import AuditRepo
from storage.cities import City, CityRepo
from storage.contacts import Contact, ContactRepo, ContactRequest, InviteRepo, Redeem, RequestRepo
from storage.people import Person
from storage.values import RequestStatus

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


K = TypeVar("K", bound=StrEnum)


# Not slotted: calling an alias below (AskResult(...)) sets __orig_class__ on the instance,
# which a slotted frozen dataclass refuses with a TypeError (Python 3.11).
@dataclass(frozen=True)
class CityOutcome(Generic[K]):
    """What someone's attempt came to, and the city it was about (when there is one)."""

    outcome: K
    city: City | None = None


InviteResult = CityOutcome[Redeem]


class Ask(StrEnum):
    SENT = "sent"
    ALREADY_CONTACT = "already_contact"
    PENDING = "pending"
    NO_CITY = "no_city"


AskResult = CityOutcome[Ask]


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


@dataclass(eq=False)
class ContactService:
    cities: CityRepo
    contacts: ContactRepo
    invites: InviteRepo
    requests: RequestRepo
    audit: AuditRepo
    people: PeopleService
    notifier: Notifier
    clock: Clock
    invite_ttl: timedelta

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
            await self.notifier.send(
                result.invite.created_by,
                "contacts.invite_used",
                city=city,
                person=viewer.person,
                person_id=viewer.id,
            )
        return InviteResult(outcome=result.outcome, city=city)

    # --- requests ---------------------------------------------------------------------------

    async def check(self, viewer: Viewer, city_id: int) -> AskResult | None:
        """Before asking the person's position: None if they may ask for this city."""
        city = await self.cities.get(city_id)
        if city is None or not city.is_member:
            return AskResult(Ask.NO_CITY)
        if city.id in viewer.city_ids:
            return AskResult(Ask.ALREADY_CONTACT, city)
        pending = await self.requests.pending_city(viewer.id)
        if pending is not None:  # one request at a time, whatever the city
            return AskResult(Ask.PENDING, await self.cities.get(pending))
        return None

    async def ask(
        self, viewer: Viewer, city_id: int, position: str = "", organisation: str = ""
    ) -> AskResult:
        """A person asks to become a contact of a city, saying their position and
        organisation; every staff member gets the request."""
        refused = await self.check(viewer, city_id)
        if refused is not None:
            return refused
        city = await self.cities.get(city_id)
        assert city is not None
        request_id = await self.requests.create(
            viewer.id,
            city.id,
            now=self.clock.now(),
            position=position or None,
            organisation=organisation or None,
        )
        if request_id is None:
            pending = await self.requests.pending_city(viewer.id)
            return AskResult(Ask.PENDING, await self.cities.get(pending) if pending else city)
        notices = await self.notifier.send_many(
            sorted(await self.people.staff_ids()),
            "contacts.request",
            city=city,
            person=viewer.person,
            person_id=viewer.id,
            request_id=request_id,
            position=position,
            organisation=organisation,
        )
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
        await self.notifier.send(request.person_id, "contacts.outcome", city=city, approved=approve)
        decider = staff.person
        await self.notifier.edit(
            await self.requests.notices(request_id),
            "contacts.decided",
            city=city,
            approved=request.status is RequestStatus.APPROVED,
            decider=decider.full_name if decider else str(staff.id),
            person=person,
            person_id=request.person_id,
            position=request.position or "",
            organisation=request.organisation or "",
        )
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
        await self.notifier.send(person_id, "contacts.removed", city=contact.city)
        return contact
