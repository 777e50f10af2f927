"""Staff membership, managed by owners."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.clock import Clock
from bot.delivery.notify import Notifier
from bot.viewer import Viewer
from storage.audit import AuditRepo
from storage.staff import StaffMember, StaffRepo


class StaffChange(StrEnum):
    DONE = "done"
    UNCHANGED = "unchanged"  # already staff / was not staff
    OWNER = "owner"  # owners are configured in ADMIN_IDS, not here


@dataclass(frozen=True, slots=True)
class StaffList:
    owners: list[int]
    staff: list[StaffMember]


@dataclass(eq=False)
class StaffService:
    staff: StaffRepo
    audit: AuditRepo
    notifier: Notifier
    clock: Clock
    owner_ids: frozenset[int]

    async def list(self) -> StaffList:
        return StaffList(owners=sorted(self.owner_ids), staff=await self.staff.all())

    async def add(self, owner: Viewer, person_id: int) -> StaffChange:
        if person_id in self.owner_ids:
            return StaffChange.OWNER
        now = self.clock.now()
        if not await self.staff.add(person_id, added_by=owner.id, now=now):
            return StaffChange.UNCHANGED
        await self.audit.record(owner.id, "staff.add", str(person_id), now=now)
        await self.notifier.send(person_id, "staff.changed", added=True)
        return StaffChange.DONE

    async def remove(self, owner: Viewer, person_id: int) -> StaffChange:
        if person_id in self.owner_ids:
            return StaffChange.OWNER
        if not await self.staff.remove(person_id):
            return StaffChange.UNCHANGED
        await self.audit.record(owner.id, "staff.remove", str(person_id), now=self.clock.now())
        await self.notifier.send(person_id, "staff.changed", added=False)
        return StaffChange.DONE
