"""Where a survey stands and what it found: participation, every city's state, the
export rows, the summaries (medians, and how they moved since the survey repeated) and the
charts."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.clock import Clock
from bot.services.people import PeopleService
from bot.surveys.comparing import Comparing
from bot.surveys.definition import NUMERIC, Answer, QuestionType
from bot.surveys.engine import plan
from bot.surveys.model import Chart, Stat, Survey
from bot.surveys.reach import Reaching
from bot.surveys.roster import Roster, build_roster, change, matching
from storage.files import FileRepo
from storage.surveys import Figure, Participation, ResponseExport, ResponseRepo, SurveyRepo


class Reports(Comparing, Reaching):
    surveys: SurveyRepo
    responses: ResponseRepo
    files: FileRepo
    people: PeopleService
    clock: Clock

    async def participation(self, survey: Survey) -> Participation:
        part = await self.surveys.participation(survey.id)
        if not survey.by_cities:
            return Participation(part.submitted, part.in_progress, len(await self._everyone()))
        return part

    async def roster(self, survey: Survey) -> Roster:
        """Every member city (or every person who answered) and where it stands."""
        rows = await self.responses.for_export(survey.id)
        invited = 0 if survey.by_cities else len(await self._everyone())
        return build_roster(survey.definition, rows, by_cities=survey.by_cities, invited=invited)

    async def export_rows(self, survey: Survey) -> list[ResponseExport]:
        return await self.responses.for_export(survey.id)

    async def _counted(self, survey: Survey) -> list[tuple[str, dict[str, Answer]]]:
        """(city or person, answers that count) of every submitted response."""
        rows = [r for r in await self.export_rows(survey) if r.status == "submitted"]
        return [
            (r.city_name or r.person_name or "?", plan(survey.definition, r.answers).effective)
            for r in rows
        ]

    async def stats(self, survey: Survey) -> list[Stat]:
        """Per question: answers that count (submitted responses only); for a number, the
        median and how it moved since the survey this one repeats."""
        counted = [answers for _, answers in await self._counted(survey)]
        earlier = await self.earlier(survey)
        before = (
            [
                matching(survey.definition, earlier.definition, a)
                for _, a in await self._counted(earlier)
            ]
            if earlier is not None
            else []
        )
        result = []
        for question in survey.definition.questions:
            values = [a[question.key] for a in counted if a.get(question.key) is not None]
            counts: dict[str, int] = {}
            numbers: list[float] = []
            if question.type in (QuestionType.CHOICE, QuestionType.MULTI):
                counts = dict.fromkeys(question.options, 0)
                for value in values:
                    for option in value if isinstance(value, list) else [value]:
                        counts[str(option)] = counts.get(str(option), 0) + 1
            elif question.type is QuestionType.YESNO:
                counts = {"yes": sum(1 for v in values if v is True)}
                counts["no"] = sum(1 for v in values if v is False)
            elif question.type in NUMERIC:
                numbers = sorted(_numbers(values))
            median = _median(numbers)
            previous = _median(sorted(_numbers([a.get(question.key) for a in before])))
            moved = change(median, previous) if median is not None and previous else None
            result.append(
                Stat(
                    key=question.key,
                    text=question.text,
                    type=question.type.value,
                    unit=question.unit,
                    answers=len(values),
                    counts=counts,
                    median=median,
                    low=numbers[0] if numbers else None,
                    high=numbers[-1] if numbers else None,
                    places=max(
                        (v.places for v in values if isinstance(v, Figure)),
                        default=question.decimals,
                    ),
                    previous_median=previous if question.type in NUMERIC else None,
                    previous_year=self.year_of(earlier) if earlier is not None else None,
                    change=moved,
                )
            )
        return result

    async def chart_data(self, survey: Survey) -> list[Chart]:
        """Per numeric question: the value of every submitted response, and last year's."""
        counted = await self._counted(survey)
        earlier = await self.earlier(survey)
        before = await self._counted(earlier) if earlier is not None else []
        data = []
        for question in survey.definition.questions:
            if question.type not in NUMERIC:
                continue
            points = [  # a Figure keeps its digits for the bar's label
                (label, value)
                for label, answers in counted
                for value in _numbers([answers.get(question.key)])
            ]
            previous = {}
            if earlier is not None and matching(
                survey.definition, earlier.definition, {question.key: 0}
            ):
                previous = {
                    label: float(value)
                    for label, answers in before
                    for value in _numbers([answers.get(question.key)])
                }
            if points:
                year = self.year_of(survey)
                previous_year = self.year_of(earlier) if earlier is not None else None
                data.append(Chart(question, points, previous, year, previous_year))
        return data

    async def store_charts(self, survey: Survey) -> list[tuple[str, str]]:
        """Draw the charts once and keep them as files the outbox can send:
        (file key, caption) per numeric question."""
        keys = []
        from bot.surveys.charts import chart_png  # matplotlib loads only when a chart is drawn

        median_label = self.people.catalog.get(None).plain("surveys.chart_median")
        for chart in await self.chart_data(survey):
            question = chart.question
            key = f"survey:{survey.id}:chart:{question.key}:{survey.row.version}"
            png = await asyncio.to_thread(chart_png, chart, median_label)
            await self.files.put(
                key, f"{question.key}.png", png, mime_type="image/png", now=self.clock.now()
            )
            unit = f", {question.unit}" if question.unit else ""
            keys.append((key, f"{question.text}{unit}"))
        return keys


def _numbers(values: list[Any]) -> list[float]:
    return [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]


def _median(numbers: list[float]) -> float | None:
    if not numbers:
        return None
    middle = len(numbers) // 2
    if len(numbers) % 2:
        return numbers[middle]
    return (numbers[middle - 1] + numbers[middle]) / 2
