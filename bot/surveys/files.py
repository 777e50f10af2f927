"""Storing an imported survey file: the one path for the bot and the command line."""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from datetime import datetime

from bot.surveys.definition import Definition, DefinitionError, Problem
from bot.surveys.loader import parse_definition
from storage.audit import AuditRepo
from storage.surveys import SurveyRepo, SurveyRow


async def store_survey_file(
    surveys: SurveyRepo, audit: AuditRepo, source: str, actor_id: int | None, now: datetime
) -> tuple[SurveyRow, bool]:
    """Validate and store as a draft; DefinitionError lists the problems,
    ImportRefusedError says the id belongs to a survey already opened."""
    definition = await asyncio.to_thread(parse_definition, source)  # off the event loop
    return await store_definition(surveys, audit, definition, source, actor_id, now)


def compare_problems(definition: Definition, known: Collection[str]) -> list[Problem]:
    """`compare_with` must name another survey the bot has (`known`: their ids)."""
    earlier = definition.compare_with
    if earlier is None:
        return []
    if earlier == definition.slug:
        return [Problem("compare_with", "compare_self")]
    if earlier not in known:
        return [Problem("compare_with", "compare_unknown", {"id": earlier})]
    return []


async def store_definition(
    surveys: SurveyRepo,
    audit: AuditRepo,
    definition: Definition,
    source: str,
    actor_id: int | None,
    now: datetime,
) -> tuple[SurveyRow, bool]:
    """Store a validated survey as a draft (the YAML file, or a spreadsheet's survey written
    as YAML, is kept as its source); DefinitionError if it compares with an unknown survey,
    ImportRefusedError if its id belongs to a survey already opened."""
    problems = compare_problems(definition, await surveys.slugs())
    if problems:
        raise DefinitionError(problems)
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
