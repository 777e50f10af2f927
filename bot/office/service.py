"""Messages to the executive office: anyone writes (text, a photo, a document), every staff
member gets a copy with the sender's name, city and role and an Answer button; the answer
reaches the sender, and the first staff member to answer is marked on every staff copy."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.delivery.notify import Notifier
from bot.services.people import PeopleService
from bot.viewer import Viewer
from storage.audit import AuditRepo
from storage.contacts import Notice
from storage.office import OfficeMessage, OfficeRepo

PREVIEW = 200  # characters of a message kept to list it in /inbox
ANSWER_MAX = 3000


@dataclass(frozen=True, slots=True)
class Incoming:
    """What the person sent, as the service needs it (no Telegram types)."""

    message_id: int
    kind: str  # text, photo, document, other
    text: str  # the text or caption ("" if none)


@dataclass(eq=False)
class OfficeService:
    repo: OfficeRepo
    people: PeopleService
    notifier: Notifier
    audit: AuditRepo
    clock: Clock

    async def send(self, sender: Viewer, incoming: Incoming) -> OfficeMessage:
        """Pass a message on to every staff member (once, however often it is asked)."""
        preview = " ".join(incoming.text.split())[:PREVIEW]
        message, new = await self.repo.add(
            sender.id, incoming.message_id, incoming.kind, preview, now=self.clock.now()
        )
        if new:
            notices = await self.notifier.send_with_copy(
                sorted(await self.people.staff_ids()),
                "office.to_staff",
                from_chat_id=sender.id,
                message_id=incoming.message_id,
                message=message,
                staff=sender.is_staff,
            )
            await self.repo.add_notices(message.id, notices)
        return message

    async def get(self, office_id: int) -> OfficeMessage | None:
        return await self.repo.get(office_id)

    async def inbox(self) -> tuple[list[OfficeMessage], int]:
        """The oldest messages not answered yet, and how many there are in all."""
        return await self.repo.unanswered(), await self.repo.count_unanswered()

    async def answer(self, staff: Viewer, office_id: int, text: str) -> Notice | None:
        """Deliver a staff answer; the first answer is marked on every staff copy. None if it
        could not reach the person."""
        now = self.clock.now()
        done = await self.repo.answer(office_id, staff.id, text, now=now)
        if done is None:
            return None
        message, first = done
        await self.audit.record(staff.id, "office.answer", str(office_id), now=now)
        delivered = await self.notifier.send(
            message.person_id, "office.answer", message=message, text=text
        )
        if first:
            sender = await self.people.viewer_of(message.person_id)
            await self.notifier.edit(
                await self.repo.notices(office_id),
                "office.to_staff",
                message=message,
                staff=sender.is_staff,
            )
        return delivered
