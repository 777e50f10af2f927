"""Storing an imported survey file: the one path for the bot and the command line."""

from __future__ import annotations

import asyncio
from datetime import datetime

from bot.surveys.definition import parse_definition
from storage.audit import AuditRepo
from storage.surveys import SurveyRepo, SurveyRow


async def store_survey_file(
    surveys: SurveyRepo, audit: AuditRepo, source: str, actor_id: int | None, now: datetime
) -> tuple[SurveyRow, bool]:
    """Validate and store as a draft; DefinitionError lists the problems,
    ImportRefusedError says the id belongs to a survey already opened."""
    definition = await asyncio.to_thread(parse_definition, source)  # off the event loop
    row, replaced = await surveys.save_draft(
        definition.slug,
        definition.title,
        definition.audience.value,
        definition.to_json(),
        source,
        created_by=actor_id,
        now=now,
    )
    await audit.record(actor_id, "survey.import", definition.slug, now=now, replaced=replaced)
    return row, replaced
