"""Opening, closing and reminding: the invitations, reminders and the closing as timed
actions, the close summary to staff, and the results to whom the survey file says."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from bot.delivery.parts import render_payload
from bot.scheduler import Scheduler, TooLate
from bot.surveys.definition import ShareResults
from bot.surveys.model import Reach, Survey
from bot.surveys.reach import PRIORITY, Reaching, about
from bot.surveys.reports import Reports
from bot.surveys.roster import State
from bot.topics import Topic
from bot.viewer import Viewer
from storage.audit import AuditRepo
from storage.outbox import NewJob
from storage.timed import TimedAction
from storage.values import SurveyStatus

REMIND = "survey_reminder"
CLOSE = "survey_close"


class Lifecycle(Reports, Reaching):
    scheduler: Scheduler
    audit: AuditRepo
    reminders: list[timedelta]

    async def open(self, staff: Viewer, survey: Survey, deadline: datetime) -> Survey | None:
        """Open (a draft, or a closed survey again) until `deadline`: invitations go out,
        reminders and the closing are scheduled. None if it is open already."""
        now = self.clock.now()
        reopening = survey.status is SurveyStatus.CLOSED
        row = await self.surveys.open(survey.id, deadline, now=now)
        if row is None:
            return None
        opened = self._remember(row)
        reach = await (self.not_submitted(opened) if reopening else self.invitees(opened))
        name = "survey.reopened" if reopening else "survey.invite"
        await self._send_to(
            reach,
            name,
            opened,
            "survey_invite",
            {"survey_id": survey.id},
            created_by=staff.id,
            dedup_key=f"survey:{survey.id}:invite:{row.version}",
        )
        await self._schedule(opened)
        await self.audit.record(
            staff.id,
            "survey.reopen" if reopening else "survey.open",
            survey.row.slug,
            now=now,
            deadline=deadline.isoformat(),
            invited=len(reach.people),
        )
        return opened

    async def _schedule(self, survey: Survey) -> None:
        assert survey.deadline is not None
        now = self.clock.now()
        for offset in self.reminders:
            ref = f"{survey.id}:{int(offset.total_seconds())}"
            due = survey.deadline - offset
            if due > now:
                await self.scheduler.schedule(REMIND, ref, due)
            else:
                await self.scheduler.cancel(REMIND, ref)
        await self.scheduler.schedule(CLOSE, str(survey.id), survey.deadline)

    async def close(self, survey: Survey, staff: Viewer | None = None) -> Survey | None:
        """Close now (staff) or at the deadline (the scheduler): answers stop, staff get a
        summary, results go back to the participants when the file says so."""
        row = await self.surveys.close(survey.id, now=self.clock.now())
        if row is None:
            return None
        closed = self._remember(row)
        for offset in self.reminders:
            await self.scheduler.cancel(REMIND, f"{survey.id}:{int(offset.total_seconds())}")
        if staff is not None:
            await self.scheduler.cancel(CLOSE, str(survey.id))
        await self.audit.record(
            staff.id if staff else None, "survey.close", survey.row.slug, now=self.clock.now()
        )
        await self._after_close(closed)
        return closed

    async def _after_close(self, survey: Survey) -> None:
        staff_ids = sorted(await self.people.staff_ids())
        roster = await self.roster(survey)
        part = roster.participation

        def names(state: State) -> list[list[Any]]:
            return [
                [e.name, e.row.city_name_en, e.answered, e.total, e.has_contact]
                for e in roster.of(state)
            ]

        tally = {"submitted": part.submitted, "total": part.total, "by_cities": survey.by_cities}
        await self._send_closing(
            survey,
            "closed",
            staff_ids,
            {"staff": True},
            **tally,
            started=names(State.IN_PROGRESS),
            not_started=names(State.NOT_STARTED),
            no_contact=names(State.NO_CONTACT),
        )
        # Those who started and did not submit learn that their answers were not sent.
        started_cities, started_people = await self.responses.started(survey.id)
        told = (
            (await self.contacts.person_ids(started_cities) if started_cities else [])
            if survey.by_cities
            else sorted(started_people)
        )
        if told:
            await self._send_closing(survey, "unsubmitted", told, {}, by_cities=survey.by_cities)
        share = survey.definition.share_results
        if share is ShareResults.STAFF:
            return
        charts = await self.store_charts(survey)
        stats = [asdict(stat) for stat in await self.stats(survey)]
        if share is ShareResults.PARTICIPANTS:
            if survey.by_cities:
                done = await self.responses.submitted_city_ids(survey.id)
                people = await self.contacts.person_ids(done) if done else []
            else:
                people = sorted(await self.responses.submitted_person_ids(survey.id))
        else:
            people = sorted(
                set(await self.contacts.person_ids())
                | set(await self.subscriptions.subscribers(Topic.SURVEYS.value))
            )
        await self._send_closing(
            survey,
            "results",
            people,
            {"share": share.value},
            priority=0,
            **tally,
            stats=stats,
            charts=[key for key, _ in charts],
            captions=[caption for _, caption in charts],
        )

    async def _send_closing(
        self,
        survey: Survey,
        what: str,
        people: Sequence[int],
        audience: dict[str, Any],
        *,
        priority: int = PRIORITY,
        **args: Any,
    ) -> None:
        """A message of the closing (job `survey_<what>`, rendered by `survey.<what>`),
        queued once per opening of the survey."""
        await self.outbox.send(
            NewJob(
                kind=f"survey_{what}",
                audience={"survey_id": survey.id, **audience},
                payload=render_payload(f"survey.{what}", **about(survey), **args),
                priority=priority,
                dedup_key=f"survey:{survey.id}:{what}:{survey.row.version}",
            ),
            people,
        )

    async def remind_now(self, staff: Viewer, survey: Survey) -> Reach:
        reach = await self.not_submitted(survey)
        now = self.clock.now()
        await self._send_to(
            reach,
            "survey.remind",
            survey,
            "survey_reminder",
            {"survey_id": survey.id, "manual": True},
            created_by=staff.id,
        )
        await self.audit.record(
            staff.id, "survey.remind", survey.row.slug, now=now, people=len(reach.people)
        )
        return reach

    async def _remind_action(self, action: TimedAction) -> None:
        survey = await self.get(int(action.ref.split(":")[0]))
        if survey is None or not survey.accepts_answers(self.clock.now()):
            raise TooLate
        reach = await self.not_submitted(survey)
        await self._send_to(
            reach,
            "survey.remind",
            survey,
            "survey_reminder",
            {"survey_id": survey.id},
            dedup_key=f"survey:{survey.id}:remind:{action.ref}:{survey.row.version}",
        )

    async def _close_action(self, action: TimedAction) -> None:
        survey = await self.get(int(action.ref))
        if survey is None:
            return
        if survey.status is SurveyStatus.OPEN:
            await self.close(survey)
        elif survey.status is SurveyStatus.CLOSED:
            await self._after_close(survey)  # a crash right after closing: finish the rest
