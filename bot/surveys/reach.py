"""Who is asked: everyone a survey invites, those who have not submitted yet, and one
message to all of them through the outbox."""

from __future__ import annotations

from typing import Any

from bot.delivery.outbox import Outbox
from bot.delivery.parts import render_payload
from bot.surveys.model import Reach, Survey
from storage.cities import CityRepo
from storage.contacts import ContactRepo
from storage.outbox import NewJob
from storage.subscriptions import SubscriptionRepo
from storage.surveys import ResponseRepo

PRIORITY = 5  # invitations and reminders go before a long broadcast


class Reaching:
    cities: CityRepo
    contacts: ContactRepo
    subscriptions: SubscriptionRepo
    responses: ResponseRepo
    outbox: Outbox

    async def _everyone(self) -> list[int]:
        return await self.subscriptions.subscribers()

    async def _contacts(
        self, survey: Survey, skip_cities: set[int], started_cities: set[int]
    ) -> Reach:
        """Active contacts of member cities, but those in `skip_cities`; how many cities
        they represent, and how many member cities (not skipped) have no contact."""
        everyone = await self.contacts.all()
        reached = [c for c in everyone if c.person.is_active and c.city.id not in skip_cities]
        people = sorted({c.person.id for c in reached})
        started = frozenset(c.person.id for c in reached if c.city.id in started_cities)
        cities = {c.city.id for c in reached}
        unreachable = sum(
            1 for c in await self.cities.members() if c.id not in skip_cities | cities
        )
        return Reach(people, len(cities), started, unreachable)

    async def invitees(self, survey: Survey) -> Reach:
        if survey.by_cities:
            return await self._contacts(survey, set(), set())
        return Reach(await self._everyone(), 0)

    async def not_submitted(self, survey: Survey) -> Reach:
        """Contacts of the cities (or the people) that have not submitted."""
        started_cities, started_people = await self.responses.started(survey.id)
        if survey.by_cities:
            done = await self.responses.submitted_city_ids(survey.id)
            return await self._contacts(survey, done, started_cities)
        submitted = await self.responses.submitted_person_ids(survey.id)
        people = [p for p in await self._everyone() if p not in submitted]
        return Reach(people, 0, frozenset(started_people & set(people)))

    async def _send_to(
        self,
        reach: Reach,
        name: str,
        survey: Survey,
        kind: str,
        audience: dict[str, Any],
        *,
        created_by: int | None = None,
        dedup_key: str | None = None,
    ) -> None:
        """One message to everyone reached, as two jobs: those who started get "Continue",
        the others "Start" (the renderer's `started`)."""
        for started in (False, True):
            people = [p for p in reach.people if (p in reach.started) is started]
            if not people:
                continue
            await self.outbox.send(
                NewJob(
                    kind=kind,
                    audience=audience,
                    payload=render_payload(name, **about(survey), started=started),
                    created_by=created_by,
                    priority=PRIORITY,
                    dedup_key=f"{dedup_key}:{int(started)}" if dedup_key else None,
                ),
                people,
            )


def about(survey: Survey) -> dict[str, Any]:
    """What every survey message shows, for the outbox renderers."""
    return {
        "survey_id": survey.id,
        "title": survey.title,
        "description": survey.definition.description,
        "questions": len(survey.definition.questions),
        "deadline": survey.deadline.isoformat() if survey.deadline else None,
    }
