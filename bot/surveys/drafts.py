"""Drafts: a survey file (YAML) or a filled-in template imported as a draft, and a draft
discarded."""

from __future__ import annotations

import asyncio

from bot.clock import Clock
from bot.services.people import PeopleService
from bot.surveys.base import SurveyBase
from bot.surveys.files import store_definition, store_survey_file
from bot.surveys.model import Survey
from bot.surveys.template_reader import as_yaml, read_template
from bot.texts import Texts
from bot.viewer import Viewer
from storage.audit import AuditRepo


class Drafts(SurveyBase):
    audit: AuditRepo
    clock: Clock
    people: PeopleService

    async def import_file(self, source: str, actor_id: int | None) -> tuple[Survey, bool]:
        """Validate and store as a draft (see `store_survey_file`)."""
        row, replaced = await store_survey_file(
            self.surveys, self.audit, source, actor_id, self.clock.now()
        )
        return self._remember(row), replaced

    async def import_spreadsheet(
        self, raw: bytes, actor_id: int | None, t: Texts
    ) -> tuple[Survey, bool] | None:
        """A survey written in the template: validated as a YAML file is (problems by cell,
        types named in `t`'s language) and stored as a draft; None if the spreadsheet is not
        a filled-in template. WorkbookError for a file that is not a spreadsheet."""
        catalog = self.people.catalog
        definition = await asyncio.to_thread(
            read_template, raw, catalog, t, catalog.tz, self.clock.now(),
            await self.surveys.slugs(),
        )  # fmt: skip
        if definition is None:
            return None
        row, replaced = await store_definition(
            self.surveys, self.audit, definition, as_yaml(definition), actor_id, self.clock.now()
        )
        return self._remember(row), replaced

    async def discard(self, staff: Viewer, survey: Survey) -> bool:
        if not await self.surveys.discard(survey.id):
            return False
        self._cache.pop(survey.id, None)
        await self.audit.record(staff.id, "survey.discard", survey.row.slug, now=self.clock.now())
        return True
