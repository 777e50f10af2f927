"""Surveys, their responses (one per city or per person) and the answers."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Repo, from_db, to_db
from storage.rows import from_row
from storage.values import SurveyStatus


@dataclass(frozen=True, slots=True)
class SurveyRow:
    id: int
    slug: str
    title: str
    audience: str
    definition: dict[str, Any]
    status: SurveyStatus
    deadline: datetime | None
    version: int
    created_by: int | None
    opened_at: datetime | None
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class Participation:
    submitted: int
    in_progress: int  # started, not submitted
    total: int  # member cities (and any city that answered), or people invited
    no_contact: int = 0  # member cities not started that have no active contact

    @property
    def not_started(self) -> int:
        return max(0, self.total - self.submitted - self.in_progress - self.no_contact)


@dataclass(frozen=True, slots=True)
class Owner:
    """Whose response: a city's (audience cities) or a person's (audience subscribers);
    `trial`: a staff member trying the survey out (kept apart, never a response)."""

    city_id: int | None = None
    person_id: int | None = None
    trial: bool = False


@dataclass(frozen=True, slots=True)
class ResponseState:
    status: str  # draft | submitted
    answers: dict[str, Any]
    submitted_at: datetime | None


@dataclass(frozen=True, slots=True)
class ResponseExport:
    """A city (every member city, and any city that answered) or a person who answered,
    with the response's state and answers; `status` None: not started."""

    city_id: int | None
    city_name: str | None
    person_id: int | None
    person_name: str | None
    status: str | None
    submitted_at: datetime | None
    submitted_by: str | None
    edited_at: datetime | None
    answers: dict[str, Any]
    city_name_en: str | None = None
    contacts: int = 0  # active contacts of the city (who can receive the survey)
    is_member: bool = True


class ImportRefusedError(Exception):
    """A survey with this id exists and is no longer a draft."""


class Figure(float):
    """A number answer with the digits it was typed with: a float to every calculation,
    and its decimal text ("212.50") for display, so 212,50 never turns into 212,5."""

    __slots__ = ("text",)
    text: str

    def __new__(cls, text: str) -> Figure:
        number = super().__new__(cls, text)
        number.text = text
        return number

    @property
    def places(self) -> int:
        """Digits after the decimal point."""
        return len(self.text.partition(".")[2])


def dump_answer(value: Any) -> str:
    """An answer as JSON; a Figure keeps its digits (212.50, not 212.5)."""
    if isinstance(value, Figure):
        return value.text
    return json.dumps(value, ensure_ascii=False)


def load_answer(value: str) -> Any:
    return json.loads(value, parse_float=Figure)


_SURVEY = """id, slug, title, audience, definition, status, deadline, version, created_by,
             opened_at, closed_at"""

# Participation of survey `s`: responses by state; the cities counted (every member city and
# any city that answered); member cities that have not started and have no active contact.
_PARTICIPATION = """
    (SELECT count(*) FROM responses r WHERE r.survey_id = s.id
        AND r.status = 'submitted') AS submitted,
    (SELECT count(*) FROM responses r WHERE r.survey_id = s.id
        AND r.status = 'draft') AS in_progress,
    (SELECT count(*) FROM cities c WHERE c.is_member = 1 OR EXISTS
        (SELECT 1 FROM responses r WHERE r.survey_id = s.id AND r.city_id = c.id)) AS cities,
    (SELECT count(*) FROM cities c WHERE c.is_member = 1
        AND NOT EXISTS (SELECT 1 FROM responses r WHERE r.survey_id = s.id AND r.city_id = c.id)
        AND NOT EXISTS (SELECT 1 FROM city_contacts cc JOIN people p ON p.id = cc.person_id
                         WHERE cc.city_id = c.id AND p.is_active = 1)) AS no_contact
"""


def _participation(row: sqlite3.Row) -> Participation:
    return Participation(row["submitted"], row["in_progress"], row["cities"], row["no_contact"])


def _survey(row: sqlite3.Row) -> SurveyRow:
    return from_row(
        SurveyRow,
        row,
        definition=json.loads(row["definition"]),
        status=SurveyStatus(row["status"]),
        deadline=from_db(row["deadline"]),
        opened_at=from_db(row["opened_at"]),
        closed_at=from_db(row["closed_at"]),
    )


def _owner_clause(owner: Owner) -> tuple[str, int]:
    if owner.city_id is not None:
        return "city_id", owner.city_id
    assert owner.person_id is not None
    return "person_id", owner.person_id


def _answers(conn: sqlite3.Connection, response_id: int) -> dict[str, Any]:
    rows = conn.execute(
        "SELECT question, value FROM answers WHERE response_id = ?", (response_id,)
    ).fetchall()
    return {row[0]: load_answer(row[1]) for row in rows}


class SurveyRepo(Repo):
    async def save_draft(
        self,
        slug: str,
        title: str,
        audience: str,
        definition: dict[str, Any],
        source: str,
        *,
        created_by: int | None,
        now: datetime,
    ) -> tuple[SurveyRow, bool]:
        """Store an imported survey as a draft, replacing a draft with the same id.

        Returns (survey, replaced); ImportRefusedError if that id was opened already."""

        def save(conn: sqlite3.Connection) -> tuple[SurveyRow, bool]:
            existing = conn.execute(
                "SELECT id, status FROM surveys WHERE slug = ?", (slug,)
            ).fetchone()
            if existing is not None and existing["status"] != SurveyStatus.DRAFT:
                raise ImportRefusedError(slug)
            fields = (
                title,
                audience,
                json.dumps(definition, ensure_ascii=False),
                source,
                created_by,
                to_db(now),
            )
            if existing is not None:
                conn.execute(
                    "UPDATE surveys SET title = ?, audience = ?, definition = ?, source = ?, "
                    "created_by = ?, created_at = ? WHERE id = ?",
                    (*fields, existing["id"]),
                )
            else:
                conn.execute(
                    "INSERT INTO surveys (slug, title, audience, definition, source, created_by, "
                    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (slug, *fields),
                )
            row = conn.execute(f"SELECT {_SURVEY} FROM surveys WHERE slug = ?", (slug,))
            return _survey(row.fetchone()), existing is not None

        return await self.db.transaction(save)

    async def get(self, survey_id: int) -> SurveyRow | None:
        row = await self.db.fetchone(f"SELECT {_SURVEY} FROM surveys WHERE id = ?", (survey_id,))
        return None if row is None else _survey(row)

    async def slugs(self) -> set[str]:
        return {row[0] for row in await self.db.fetchall("SELECT slug FROM surveys")}

    async def by_slug(self, slug: str) -> SurveyRow | None:
        row = await self.db.fetchone(f"SELECT {_SURVEY} FROM surveys WHERE slug = ?", (slug,))
        return None if row is None else _survey(row)

    async def all(self) -> list[tuple[SurveyRow, Participation]]:
        """Every survey, newest first, with its participation, in one query."""
        rows = await self.db.fetchall(
            f"""
            SELECT {_SURVEY}, {_PARTICIPATION}
              FROM surveys s
             ORDER BY s.status = 'open' DESC, s.id DESC
            """
        )
        return [(_survey(row), _participation(row)) for row in rows]

    async def open(self, survey_id: int, deadline: datetime, *, now: datetime) -> SurveyRow | None:
        """Draft or closed -> open until `deadline` (a new version); None if already open.
        Try-outs of the draft end here."""

        def open_(conn: sqlite3.Connection) -> SurveyRow | None:
            row = conn.execute(
                f"""
                UPDATE surveys SET status = 'open', deadline = ?, version = version + 1,
                       opened_at = ?, closed_at = NULL
                 WHERE id = ? AND status IN ('draft', 'closed')
                RETURNING {_SURVEY}
                """,
                (to_db(deadline), to_db(now), survey_id),
            ).fetchone()
            if row is None:
                return None
            opened = _survey(row)
            conn.execute("DELETE FROM survey_trials WHERE survey_id = ?", (survey_id,))
            return opened

        return await self.db.transaction(open_)

    async def close(self, survey_id: int, *, now: datetime) -> SurveyRow | None:
        row = await self.db.fetchone(
            f"""
            UPDATE surveys SET status = 'closed', closed_at = ?
             WHERE id = ? AND status = 'open' RETURNING {_SURVEY}
            """,
            (to_db(now), survey_id),
        )
        return None if row is None else _survey(row)

    async def discard(self, survey_id: int) -> bool:
        changed = await self.db.execute(
            "DELETE FROM surveys WHERE id = ? AND status = 'draft'", (survey_id,)
        )
        return changed > 0

    async def city_surveys_opened(
        self, start: datetime, end: datetime
    ) -> list[tuple[SurveyRow, Participation]]:
        """City surveys first opened in [start, end), oldest first, with participation."""
        rows = await self.db.fetchall(
            f"""
            SELECT {_SURVEY}, {_PARTICIPATION}
              FROM surveys s
             WHERE s.audience = 'cities' AND s.status <> 'draft'
               AND s.opened_at >= ? AND s.opened_at < ?
             ORDER BY s.opened_at
            """,
            (to_db(start), to_db(end)),
        )
        return [(_survey(row), _participation(row)) for row in rows]

    async def participation(self, survey_id: int) -> Participation:
        row = await self.db.fetchone(
            f"SELECT {_PARTICIPATION} FROM surveys s WHERE s.id = ?", (survey_id,)
        )
        return Participation(0, 0, 0) if row is None else _participation(row)


class ResponseRepo(Repo):
    async def answers(self, survey_id: int, owner: Owner) -> ResponseState | None:
        if owner.trial:
            return await self.db.run(lambda conn: _trial_state(conn, survey_id, owner))
        column, value = _owner_clause(owner)
        rows = await self.db.fetchall(
            f"""
            SELECT r.status, r.submitted_at, a.question, a.value
              FROM responses r LEFT JOIN answers a ON a.response_id = r.id
             WHERE r.survey_id = ? AND r.{column} = ?
            """,
            (survey_id, value),
        )
        if not rows:
            return None
        return ResponseState(
            status=rows[0]["status"],
            answers={
                row["question"]: load_answer(row["value"])
                for row in rows
                if row["question"] is not None
            },
            submitted_at=from_db(rows[0]["submitted_at"]),
        )

    async def answer(
        self,
        survey_id: int,
        owner: Owner,
        question: str,
        value: Any,
        *,
        person_id: int,
        now: datetime,
        remove: bool = False,
    ) -> ResponseState:
        """Save one answer (last write wins per question) and return the whole response.

        `remove` deletes the answer instead (an emptied multiple choice)."""
        return await self.answer_many(
            survey_id, owner, [(question, value, remove)], person_id=person_id, now=now
        )

    async def answer_many(
        self,
        survey_id: int,
        owner: Owner,
        answers: Iterable[tuple[str, Any, bool]],
        *,
        person_id: int,
        now: datetime,
    ) -> ResponseState:
        """Save several answers in one transaction, each its own upsert as `answer` does
        (question, value, remove), and return the whole response."""
        items = list(answers)
        if owner.trial:
            return await self.db.transaction(
                lambda conn: _trial_answer(conn, survey_id, owner, items)
            )
        column, owner_id = _owner_clause(owner)
        stamp = to_db(now)

        def answer(conn: sqlite3.Connection) -> ResponseState:
            conn.execute(
                f"INSERT INTO responses (survey_id, {column}, updated_at) VALUES (?, ?, ?) "
                f"ON CONFLICT (survey_id, {column}) DO UPDATE SET updated_at = excluded.updated_at,"
                " edited_at = CASE WHEN status = 'submitted' THEN excluded.updated_at "
                "ELSE edited_at END",
                (survey_id, owner_id, stamp),
            )
            response = conn.execute(
                f"SELECT id, status, submitted_at FROM responses "
                f"WHERE survey_id = ? AND {column} = ?",
                (survey_id, owner_id),
            ).fetchone()
            for question, value, remove in items:
                if remove:
                    conn.execute(
                        "DELETE FROM answers WHERE response_id = ? AND question = ?",
                        (response["id"], question),
                    )
                    continue
                conn.execute(
                    """
                    INSERT INTO answers (response_id, question, value, answered_by, answered_at)
                    VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (response_id, question) DO UPDATE SET value = excluded.value,
                        answered_by = excluded.answered_by, answered_at = excluded.answered_at
                    """,
                    (response["id"], question, dump_answer(value), person_id, stamp),
                )
            return ResponseState(
                status=response["status"],
                answers=_answers(conn, response["id"]),
                submitted_at=from_db(response["submitted_at"]),
            )

        return await self.db.transaction(answer)

    async def set_status(
        self, survey_id: int, owner: Owner, status: str, *, person_id: int, now: datetime
    ) -> None:
        """Submit (or, when an edit left it incomplete, back to draft); a try-out that is
        "submitted" is over, and its answers go."""
        if owner.trial:
            if status == "submitted":
                await self.db.execute(
                    "DELETE FROM survey_trials WHERE survey_id = ? AND person_id = ?",
                    (survey_id, owner.person_id),
                )
            return
        column, owner_id = _owner_clause(owner)
        if status == "submitted":
            await self.db.execute(
                f"UPDATE responses SET status = 'submitted', submitted_at = ?, submitted_by = ?,"
                f" edited_at = NULL, updated_at = ? WHERE survey_id = ? AND {column} = ?",
                (to_db(now), person_id, to_db(now), survey_id, owner_id),
            )
        else:
            await self.db.execute(
                f"UPDATE responses SET status = 'draft', updated_at = ? "
                f"WHERE survey_id = ? AND {column} = ?",
                (to_db(now), survey_id, owner_id),
            )

    async def end_trial(self, survey_id: int, person_id: int) -> None:
        await self.db.execute(
            "DELETE FROM survey_trials WHERE survey_id = ? AND person_id = ?",
            (survey_id, person_id),
        )

    async def submitted_city_ids(self, survey_id: int) -> set[int]:
        return await self._submitted(survey_id, "city_id")

    async def submitted_person_ids(self, survey_id: int) -> set[int]:
        return await self._submitted(survey_id, "person_id")

    async def _submitted(self, survey_id: int, owner_column: str) -> set[int]:
        """The owners (cities or people: `owner_column`) of the submitted responses."""
        rows = await self.db.fetchall(
            f"SELECT {owner_column} FROM responses WHERE survey_id = ? AND status = 'submitted' "
            f"AND {owner_column} IS NOT NULL",
            (survey_id,),
        )
        return {row[0] for row in rows}

    async def started(self, survey_id: int) -> tuple[set[int], set[int]]:
        """Responses started and not submitted: (city ids, person ids)."""
        rows = await self.db.fetchall(
            "SELECT city_id, person_id FROM responses WHERE survey_id = ? AND status = 'draft'",
            (survey_id,),
        )
        cities = {row[0] for row in rows if row[0] is not None}
        return cities, {row[1] for row in rows if row[1] is not None}

    async def for_export(self, survey_id: int) -> list[ResponseExport]:
        """The roster, in one transaction: for a city survey every member city (and any city
        that answered) by name, with its active contacts, its response's state and answers;
        for a survey of subscribers, every response."""

        def roster(conn: sqlite3.Connection) -> list[ResponseExport]:
            audience = conn.execute(
                "SELECT audience FROM surveys WHERE id = ?", (survey_id,)
            ).fetchone()
            if audience is None:
                return []
            if audience[0] == "cities":
                rows = conn.execute(
                    """
                    SELECT r.id, c.id AS city_id, c.name AS city_name, c.name_en, c.is_member,
                           NULL AS person_id, NULL AS person_name,
                           r.status, r.submitted_at, r.edited_at,
                           trim(ps.first_name || ' ' || coalesce(ps.last_name, ''))
                               AS submitted_by,
                           (SELECT count(*) FROM city_contacts cc
                              JOIN people p ON p.id = cc.person_id
                             WHERE cc.city_id = c.id AND p.is_active = 1
                               AND c.is_member = 1) AS contacts
                      FROM cities c
                      LEFT JOIN responses r ON r.city_id = c.id AND r.survey_id = ?
                      LEFT JOIN people ps ON ps.id = r.submitted_by
                     WHERE c.is_member = 1 OR r.id IS NOT NULL
                     ORDER BY c.name_key
                    """,
                    (survey_id,),
                ).fetchall()
            else:
                rows = conn.execute(
                    """
                    SELECT r.id, NULL AS city_id, NULL AS city_name, NULL AS name_en,
                           1 AS is_member,
                           r.person_id,
                           trim(pp.first_name || ' ' || coalesce(pp.last_name, ''))
                               AS person_name,
                           r.status, r.submitted_at, r.edited_at,
                           trim(ps.first_name || ' ' || coalesce(ps.last_name, ''))
                               AS submitted_by,
                           0 AS contacts
                      FROM responses r
                      LEFT JOIN people pp ON pp.id = r.person_id
                      LEFT JOIN people ps ON ps.id = r.submitted_by
                     WHERE r.survey_id = ?
                     ORDER BY r.status = 'submitted' DESC, r.id
                    """,
                    (survey_id,),
                ).fetchall()
            answers: dict[int, dict[str, Any]] = {}
            for response_id, question, value in conn.execute(
                "SELECT a.response_id, a.question, a.value FROM answers a "
                "JOIN responses r ON r.id = a.response_id WHERE r.survey_id = ?",
                (survey_id,),
            ):
                answers.setdefault(response_id, {})[question] = load_answer(value)
            return [
                from_row(
                    ResponseExport,
                    row,
                    submitted_at=from_db(row["submitted_at"]),
                    edited_at=from_db(row["edited_at"]),
                    answers=answers.get(row["id"], {}) if row["id"] is not None else {},
                    city_name_en=row["name_en"],
                    is_member=bool(row["is_member"]),
                )
                for row in rows
            ]

        return await self.db.run(roster)

    async def count_by_survey(self, survey_ids: Iterable[int]) -> dict[int, int]:
        rows = await self.db.fetchall(
            "SELECT survey_id, count(*) FROM responses WHERE status = 'submitted' "
            "AND survey_id IN (SELECT value FROM json_each(?)) GROUP BY survey_id",
            (json.dumps(list(survey_ids)),),
        )
        return {row[0]: row[1] for row in rows}


def _trial_state(conn: sqlite3.Connection, survey_id: int, owner: Owner) -> ResponseState:
    rows = conn.execute(
        "SELECT question, value FROM survey_trials WHERE survey_id = ? AND person_id = ?",
        (survey_id, owner.person_id),
    ).fetchall()
    return ResponseState("draft", {row[0]: load_answer(row[1]) for row in rows}, None)


def _trial_answer(
    conn: sqlite3.Connection, survey_id: int, owner: Owner, items: list[tuple[str, Any, bool]]
) -> ResponseState:
    for question, value, remove in items:
        if remove:
            conn.execute(
                "DELETE FROM survey_trials WHERE survey_id = ? AND person_id = ? AND question = ?",
                (survey_id, owner.person_id, question),
            )
        else:
            conn.execute(
                "INSERT INTO survey_trials (survey_id, person_id, question, value) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (survey_id, person_id, question) "
                "DO UPDATE SET value = excluded.value",
                (survey_id, owner.person_id, question, dump_answer(value)),
            )
    return _trial_state(conn, survey_id, owner)
