"""A city's answer spreadsheet sent back: every cell read by the chat's rules, the valid
answers saved, and what was not saved, by cell."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.surveys.answering import Answering
from bot.surveys.answers import EMPTY, AnswerError, parse_cell
from bot.surveys.definition import QuestionType
from bot.surveys.engine import plan
from bot.surveys.model import TRIAL, CellNote, Refusal, SheetImport, SheetRefusal
from bot.surveys.sheets import read_answer_file
from bot.viewer import Viewer
from storage.surveys import ResponseState, load_answer

_NONE = object()  # a spreadsheet row without an answer when the file was made


class SheetImporting(Answering):
    """Uses the fields `Answering` declares."""

    async def import_sheet(self, viewer: Viewer, raw: bytes) -> SheetImport | SheetRefusal:
        """A city's spreadsheet sent back: every cell read by the chat's rules; valid
        answers saved in one transaction (each its own upsert, as in the chat); a cell left
        as it was in the file does not overwrite an answer given in the chat meanwhile.
        WorkbookError for a file that is not a spreadsheet."""
        found = await asyncio.to_thread(read_answer_file, raw)
        if found is None:
            return SheetRefusal("not_answers")
        survey = await self.get(found.survey_id)
        if survey is None or survey.row.slug != found.slug:
            return SheetRefusal("other_survey")
        trial = found.owner == "trial"
        if not trial and survey.by_cities != (found.owner == "city"):
            return SheetRefusal("other_survey", survey.title)
        if not survey.by_cities and found.owner_id != viewer.id:
            return SheetRefusal("other_person", survey.title)
        city_id = TRIAL if trial else found.owner_id if survey.by_cities else 0
        if survey.by_cities and not trial and city_id not in viewer.city_ids:
            city = await self.cities.get(city_id)
            name = city.title(viewer.locale) if city else None
            return SheetRefusal("other_city", survey.title, name)
        access = await self._access(viewer, survey.id, city_id)
        if isinstance(access, Refusal):
            return SheetRefusal(access.value, survey.title)
        survey, owner, city = access
        definition = survey.definition
        problems: list[CellNote] = []
        given: dict[str, tuple[str, Any, Any]] = {}
        unchanged = 0
        for row in found.rows:
            question = definition.question(row.key)
            if question is None or row.key in given:
                problems.append(CellNote(row.cell, "unknown_row", {}))
                continue
            try:
                value = parse_cell(
                    question, row.value, row.number_format, yes=self.yes_words,
                    no=self.no_words, synonyms=self.unit_words,
                )  # fmt: skip
            except AnswerError as error:
                problems.append(CellNote(row.cell, error.problem.value, error.params))
                continue
            if value is EMPTY:
                continue
            original = load_answer(row.original) if row.original else _NONE
            if original is not _NONE and original == value:
                unchanged += 1
                continue
            given[row.key] = (row.cell, value, original)
        state = await self.responses.answers(survey.id, owner) or ResponseState("draft", {}, None)
        merged = {**state.answers, **{key: item[1] for key, item in given.items()}}
        applies = {q.key for q in plan(definition, merged).questions}
        ignored, conflicts, saving = [], [], []
        for key, (cell, value, original) in given.items():
            number = definition.index(key) + 1
            if key not in applies:
                ignored.append(CellNote(cell, "not_asked", {"number": number}))
                continue
            if key in state.answers and state.answers[key] == value:
                unchanged += 1  # the chat (or another file) already gave this very answer
                continue
            if key in state.answers and state.answers[key] != (
                None if original is _NONE else original
            ):
                conflicts.append(CellNote(cell, "changed_meanwhile", {"number": number}))
            remove = definition.questions[number - 1].type is QuestionType.MULTI and value == []
            saving.append((key, value, remove))
        if saving:
            state = await self.responses.answer_many(
                survey.id, owner, saving, person_id=viewer.id, now=self.clock.now()
            )
        step = self._step(survey, owner, city, state, "review")
        if saving and step.submitted and not step.plan.complete:
            await self.responses.set_status(
                survey.id, owner, "draft", person_id=viewer.id, now=self.clock.now()
            )
            step = self._step(
                survey, owner, city, ResponseState("draft", state.answers, None), "review"
            )
        if not owner.trial:
            await self.audit.record(
                viewer.id, "survey.sheet", survey.row.slug, now=self.clock.now(),
                city=city.name if city else None, saved=len(saving), problems=len(problems),
            )  # fmt: skip
        step = await self._compared(step)
        return SheetImport(step, len(saving), unchanged, problems, ignored, conflicts)
