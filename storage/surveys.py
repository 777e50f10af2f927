"""Surveys, their responses (one per city or per person) and the answers."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from storage.db import Database, from_db, to_db


class SurveyStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


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
    in_progress: int
    total: int  # member cities (or people invited, for a survey of subscribers)


@dataclass(frozen=True, slots=True)
class Owner:
    """Whose response: a city's (audience cities) or a person's (audience subscribers)."""

    city_id: int | None = None
    person_id: int | None = None


@dataclass(frozen=True, slots=True)
class ResponseState:
    status: str  # draft | submitted
    answers: dict[str, Any]
    submitted_at: datetime | None


@dataclass(frozen=True, slots=True)
class CityStatus:
    city_id: int
    city_name: str
    city_name_en: str | None
    status: str | None  # None: not started
    answered: int
    submitted_at: datetime | None
    edited_at: datetime | None


@dataclass(frozen=True, slots=True)
class ResponseExport:
    city_id: int | None
    city_name: str | None
    person_id: int | None
    person_name: str | None
    status: str
    submitted_at: datetime | None
    submitted_by: str | None
    edited_at: datetime | None
    answers: dict[str, Any]


class ImportRefusedError(Exception):
    """A survey with this id exists and is no longer a draft."""


_SURVEY = """id, slug, title, audience, definition, status, deadline, version, created_by,
             opened_at, closed_at"""


def _survey(row: sqlite3.Row) -> SurveyRow:
    return SurveyRow(
        id=row["id"],
        slug=row["slug"],
        title=row["title"],
        audience=row["audience"],
        definition=json.loads(row["definition"]),
        status=SurveyStatus(row["status"]),
        deadline=from_db(row["deadline"]),
        version=row["version"],
        created_by=row["created_by"],
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
    return {row[0]: json.loads(row[1]) for row in rows}


class SurveyRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

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
            if existing is not None:
                conn.execute(
                    "UPDATE surveys SET title = ?, audience = ?, definition = ?, source = ?, "
                    "created_by = ?, created_at = ? WHERE id = ?",
                    (
                        title,
                        audience,
                        json.dumps(definition, ensure_ascii=False),
                        source,
                        created_by,
                        to_db(now),
                        existing["id"],
                    ),
                )
            else:
                conn.execute(
                    "INSERT INTO surveys (slug, title, audience, definition, source, created_by, "
                    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        slug,
                        title,
                        audience,
                        json.dumps(definition, ensure_ascii=False),
                        source,
                        created_by,
                        to_db(now),
                    ),
                )
            row = conn.execute(f"SELECT {_SURVEY} FROM surveys WHERE slug = ?", (slug,))
            return _survey(row.fetchone()), existing is not None

        return await self.db.transaction(save)

    async def get(self, survey_id: int) -> SurveyRow | None:
        row = await self.db.fetchone(f"SELECT {_SURVEY} FROM surveys WHERE id = ?", (survey_id,))
        return None if row is None else _survey(row)

    async def by_slug(self, slug: str) -> SurveyRow | None:
        row = await self.db.fetchone(f"SELECT {_SURVEY} FROM surveys WHERE slug = ?", (slug,))
        return None if row is None else _survey(row)

    async def all(self) -> list[tuple[SurveyRow, Participation]]:
        """Every survey, newest first, with its participation, in one query."""
        rows = await self.db.fetchall(
            f"""
            SELECT {_SURVEY},
                (SELECT count(*) FROM responses r WHERE r.survey_id = s.id
                    AND r.status = 'submitted') AS submitted,
                (SELECT count(*) FROM responses r WHERE r.survey_id = s.id
                    AND r.status = 'draft') AS in_progress,
                (SELECT count(*) FROM cities WHERE is_member = 1) AS cities
              FROM surveys s
             ORDER BY s.status = 'open' DESC, s.id DESC
            """
        )
        return [
            (
                _survey(row),
                Participation(row["submitted"], row["in_progress"], row["cities"]),
            )
            for row in rows
        ]

    async def open(self, survey_id: int, deadline: datetime, *, now: datetime) -> SurveyRow | None:
        """Draft or closed -> open until `deadline` (a new version); None if already open."""
        row = await self.db.fetchone(
            f"""
            UPDATE surveys SET status = 'open', deadline = ?, version = version + 1,
                   opened_at = ?, closed_at = NULL
             WHERE id = ? AND status IN ('draft', 'closed')
            RETURNING {_SURVEY}
            """,
            (to_db(deadline), to_db(now), survey_id),
        )
        return None if row is None else _survey(row)

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
            SELECT {_SURVEY},
                (SELECT count(*) FROM responses r WHERE r.survey_id = s.id
                    AND r.status = 'submitted') AS submitted,
                (SELECT count(*) FROM cities WHERE is_member = 1) AS cities
              FROM surveys s
             WHERE s.audience = 'cities' AND s.status <> 'draft'
               AND s.opened_at >= ? AND s.opened_at < ?
             ORDER BY s.opened_at
            """,
            (to_db(start), to_db(end)),
        )
        return [(_survey(row), Participation(row["submitted"], 0, row["cities"])) for row in rows]

    async def participation(self, survey_id: int) -> Participation:
        row = await self.db.fetchone(
            """
            SELECT
                (SELECT count(*) FROM responses WHERE survey_id = ?1 AND status = 'submitted'),
                (SELECT count(*) FROM responses WHERE survey_id = ?1 AND status = 'draft'),
                (SELECT count(*) FROM cities WHERE is_member = 1)
            """,
            (survey_id,),
        )
        assert row is not None
        return Participation(row[0], row[1], row[2])


class ResponseRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def answers(self, survey_id: int, owner: Owner) -> ResponseState | None:
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
                row["question"]: json.loads(row["value"])
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
            if remove:
                conn.execute(
                    "DELETE FROM answers WHERE response_id = ? AND question = ?",
                    (response["id"], question),
                )
            else:
                conn.execute(
                    """
                    INSERT INTO answers (response_id, question, value, answered_by, answered_at)
                    VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (response_id, question) DO UPDATE SET value = excluded.value,
                        answered_by = excluded.answered_by, answered_at = excluded.answered_at
                    """,
                    (
                        response["id"],
                        question,
                        json.dumps(value, ensure_ascii=False),
                        person_id,
                        stamp,
                    ),
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
        """Submit (or, when an edit left it incomplete, back to draft)."""
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

    async def city_status(self, survey_id: int) -> list[CityStatus]:
        """Every member city (and any city that answered) with its response's state."""
        rows = await self.db.fetchall(
            """
            SELECT c.id, c.name, c.name_en, r.status, r.submitted_at, r.edited_at,
                   (SELECT count(*) FROM answers a WHERE a.response_id = r.id) AS answered
              FROM cities c
              LEFT JOIN responses r ON r.city_id = c.id AND r.survey_id = ?
             WHERE c.is_member = 1 OR r.id IS NOT NULL
             ORDER BY c.name_key
            """,
            (survey_id,),
        )
        return [
            CityStatus(
                city_id=row["id"],
                city_name=row["name"],
                city_name_en=row["name_en"],
                status=row["status"],
                answered=row["answered"],
                submitted_at=from_db(row["submitted_at"]),
                edited_at=from_db(row["edited_at"]),
            )
            for row in rows
        ]

    async def submitted_city_ids(self, survey_id: int) -> set[int]:
        rows = await self.db.fetchall(
            "SELECT city_id FROM responses WHERE survey_id = ? AND status = 'submitted' "
            "AND city_id IS NOT NULL",
            (survey_id,),
        )
        return {row[0] for row in rows}

    async def submitted_person_ids(self, survey_id: int) -> set[int]:
        rows = await self.db.fetchall(
            "SELECT person_id FROM responses WHERE survey_id = ? AND status = 'submitted' "
            "AND person_id IS NOT NULL",
            (survey_id,),
        )
        return {row[0] for row in rows}

    async def for_export(self, survey_id: int) -> list[ResponseExport]:
        """Every response with its answers, submitted first, in one query."""
        rows = await self.db.fetchall(
            """
            SELECT r.id, r.city_id, c.name AS city_name, r.person_id,
                   trim(pp.first_name || ' ' || coalesce(pp.last_name, '')) AS person_name,
                   r.status, r.submitted_at, r.edited_at,
                   trim(ps.first_name || ' ' || coalesce(ps.last_name, '')) AS submitted_by,
                   a.question, a.value
              FROM responses r
              LEFT JOIN cities c ON c.id = r.city_id
              LEFT JOIN people pp ON pp.id = r.person_id
              LEFT JOIN people ps ON ps.id = r.submitted_by
              LEFT JOIN answers a ON a.response_id = r.id
             WHERE r.survey_id = ?
             ORDER BY r.status = 'submitted' DESC, c.name_key, r.id
            """,
            (survey_id,),
        )
        result: dict[int, ResponseExport] = {}
        for row in rows:
            item = result.get(row["id"])
            if item is None:
                item = result[row["id"]] = ResponseExport(
                    city_id=row["city_id"],
                    city_name=row["city_name"],
                    person_id=row["person_id"],
                    person_name=row["person_name"],
                    status=row["status"],
                    submitted_at=from_db(row["submitted_at"]),
                    submitted_by=row["submitted_by"],
                    edited_at=from_db(row["edited_at"]),
                    answers={},
                )
            if row["question"] is not None:
                item.answers[row["question"]] = json.loads(row["value"])
        return list(result.values())

    async def count_by_survey(self, survey_ids: Iterable[int]) -> dict[int, int]:
        rows = await self.db.fetchall(
            "SELECT survey_id, count(*) FROM responses WHERE status = 'submitted' "
            "AND survey_id IN (SELECT value FROM json_each(?)) GROUP BY survey_id",
            (json.dumps(list(survey_ids)),),
        )
        return {row[0]: row[1] for row in rows}
