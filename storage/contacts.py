"""City contacts and the two ways to become one: invites and approved requests."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from storage.cities import City
from storage.db import Database, Repo, from_db, to_db
from storage.people import Person, person_from_row
from storage.rows import from_row
from storage.values import RequestStatus


@dataclass(frozen=True, slots=True)
class Contact:
    city: City
    person: Person
    via: str
    added_at: datetime


@dataclass(frozen=True, slots=True)
class Invite:
    token: str
    city_id: int
    created_by: int
    expires_at: datetime


class Redeem(StrEnum):
    OK = "ok"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"
    ALREADY = "already"  # the person already is a contact of that city
    CITY_GONE = "city_gone"


@dataclass(frozen=True, slots=True)
class Redemption:
    outcome: Redeem
    invite: Invite | None = None


@dataclass(frozen=True, slots=True)
class ContactRequest:
    id: int
    person_id: int
    city_id: int
    status: RequestStatus
    decided_by: int | None
    position: str | None = None
    organisation: str | None = None


@dataclass(frozen=True, slots=True)
class Notice:
    chat_id: int
    message_id: int


@dataclass(frozen=True, slots=True)
class NoticeTable:
    """Where the staff copies of one kind of message are kept (`table`, keyed by `key`),
    so they can be marked later."""

    table: str
    key: str

    async def add(self, db: Database, key: int, notices: Iterable[Notice]) -> None:
        await db.executemany(
            f"INSERT OR REPLACE INTO {self.table} ({self.key}, chat_id, message_id) "
            "VALUES (?, ?, ?)",
            [(key, n.chat_id, n.message_id) for n in notices],
        )

    async def of(self, db: Database, key: int) -> list[Notice]:
        rows = await db.fetchall(
            f"SELECT chat_id, message_id FROM {self.table} WHERE {self.key} = ?", (key,)
        )
        return [Notice(chat_id=row[0], message_id=row[1]) for row in rows]


_REQUEST_NOTICES = NoticeTable("request_notices", "request_id")

_CONTACT_COLUMNS = """
    c.id AS city_id, c.name, c.name_en, c.is_member,
    p.id, p.first_name, p.last_name, p.username, p.tg_language, p.language, p.is_active,
    cc.via, cc.added_at
"""


def _contact(row: sqlite3.Row) -> Contact:
    return Contact(
        city=City(
            id=row["city_id"],
            name=row["name"],
            name_en=row["name_en"],
            is_member=bool(row["is_member"]),
        ),
        person=person_from_row(row),
        via=row["via"],
        added_at=from_db(row["added_at"]) or datetime.min,
    )


def _request(row: sqlite3.Row) -> ContactRequest:
    return from_row(ContactRequest, row, status=RequestStatus(row["status"]))


def city_names_in(conn: sqlite3.Connection, person_id: int) -> str:
    """The cities the person is a contact of, comma-separated ("" if none), read inside a
    transaction (recorded with what they send, as it was then)."""
    row = conn.execute(
        """
        SELECT coalesce(group_concat(c.name, ', '), '') FROM city_contacts cc
          JOIN cities c ON c.id = cc.city_id WHERE cc.person_id = ?
        """,
        (person_id,),
    ).fetchone()
    return str(row[0])


class ContactRepo(Repo):
    async def all(self) -> list[Contact]:
        rows = await self.db.fetchall(
            f"""
            SELECT {_CONTACT_COLUMNS}
              FROM city_contacts cc JOIN cities c ON c.id = cc.city_id
              JOIN people p ON p.id = cc.person_id
             WHERE c.is_member = 1
             ORDER BY c.name_key, cc.added_at
            """
        )
        return [_contact(row) for row in rows]

    async def get(self, city_id: int, person_id: int) -> Contact | None:
        row = await self.db.fetchone(
            f"""
            SELECT {_CONTACT_COLUMNS}
              FROM city_contacts cc JOIN cities c ON c.id = cc.city_id
              JOIN people p ON p.id = cc.person_id
             WHERE cc.city_id = ? AND cc.person_id = ?
            """,
            (city_id, person_id),
        )
        return None if row is None else _contact(row)

    async def add(
        self, city_id: int, person_id: int, *, via: str, added_by: int | None, now: datetime
    ) -> bool:
        """True if the person became a contact now, False if they already were."""
        changed = await self.db.execute(
            """
            INSERT OR IGNORE INTO city_contacts (city_id, person_id, via, added_by, added_at)
            VALUES (?, ?, ?, ?, ?)
            """,
            (city_id, person_id, via, added_by, to_db(now)),
        )
        return changed > 0

    async def remove(self, city_id: int, person_id: int) -> bool:
        changed = await self.db.execute(
            "DELETE FROM city_contacts WHERE city_id = ? AND person_id = ?", (city_id, person_id)
        )
        return changed > 0

    async def person_ids(self, city_ids: Iterable[int] | None = None) -> list[int]:
        """Active contacts of the given member cities (all member cities when None)."""
        sql = """
            SELECT DISTINCT cc.person_id FROM city_contacts cc
              JOIN cities c ON c.id = cc.city_id JOIN people p ON p.id = cc.person_id
             WHERE c.is_member = 1 AND p.is_active = 1
        """
        if city_ids is None:
            rows = await self.db.fetchall(sql)
        else:
            ids = ",".join(str(int(i)) for i in city_ids)
            rows = await self.db.fetchall(
                sql + " AND cc.city_id IN (SELECT value FROM json_each(?))", (f"[{ids}]",)
            )
        return [row[0] for row in rows]


class InviteRepo(Repo):
    async def create(
        self, token: str, city_id: int, *, created_by: int, now: datetime, expires_at: datetime
    ) -> Invite:
        await self.db.execute(
            """
            INSERT INTO invites (token, city_id, created_by, created_at, expires_at)
            VALUES (?, ?, ?, ?, ?)
            """,
            (token, city_id, created_by, to_db(now), to_db(expires_at)),
        )
        return Invite(token=token, city_id=city_id, created_by=created_by, expires_at=expires_at)

    async def redeem(self, token: str, person_id: int, *, now: datetime) -> Redemption:
        """Check the invite and bind the person to its city, atomically: an invite works once."""
        stamp = to_db(now)

        def redeem(conn: sqlite3.Connection) -> Redemption:
            row = conn.execute(
                """
                SELECT i.token, i.city_id, i.created_by, i.expires_at, i.used_by, c.is_member
                  FROM invites i JOIN cities c ON c.id = i.city_id WHERE i.token = ?
                """,
                (token,),
            ).fetchone()
            if row is None:
                return Redemption(Redeem.UNKNOWN)
            invite = Invite(
                token=row["token"],
                city_id=row["city_id"],
                created_by=row["created_by"],
                expires_at=from_db(row["expires_at"]) or now,
            )
            if row["used_by"] is not None:
                return Redemption(Redeem.USED, invite)
            if row["expires_at"] <= stamp:
                return Redemption(Redeem.EXPIRED, invite)
            if not row["is_member"]:
                return Redemption(Redeem.CITY_GONE, invite)
            added = conn.execute(
                """
                INSERT OR IGNORE INTO city_contacts (city_id, person_id, via, added_by, added_at)
                VALUES (?, ?, 'invite', ?, ?)
                """,
                (invite.city_id, person_id, invite.created_by, stamp),
            ).rowcount
            if not added:
                return Redemption(Redeem.ALREADY, invite)
            conn.execute(
                "UPDATE invites SET used_by = ?, used_at = ? WHERE token = ?",
                (person_id, stamp, token),
            )
            return Redemption(Redeem.OK, invite)

        return await self.db.transaction(redeem)


class RequestRepo(Repo):
    async def create(
        self,
        person_id: int,
        city_id: int,
        *,
        now: datetime,
        position: str | None = None,
        organisation: str | None = None,
    ) -> int | None:
        """A new pending request (with the person's position and organisation, as they
        wrote them); None if the person already has one pending (one at a time, whatever
        the city: staff are not flooded with thirty requests)."""

        def create(conn: sqlite3.Connection) -> int | None:
            cursor = conn.execute(
                """
                INSERT INTO contact_requests
                    (person_id, city_id, created_at, position, organisation)
                SELECT ?, ?, ?, ?, ? WHERE NOT EXISTS (
                    SELECT 1 FROM contact_requests WHERE person_id = ? AND status = 'pending')
                ON CONFLICT (person_id, city_id) WHERE status = 'pending' DO NOTHING
                """,
                (person_id, city_id, to_db(now), position, organisation, person_id),
            )
            return int(cursor.lastrowid) if cursor.rowcount > 0 and cursor.lastrowid else None

        return await self.db.run(create)

    async def pending_city(self, person_id: int) -> int | None:
        """The city of the person's pending request, if any."""
        return await self.db.fetchval(  # type: ignore[no-any-return]
            "SELECT city_id FROM contact_requests WHERE person_id = ? AND status = 'pending'",
            (person_id,),
        )

    async def get(self, request_id: int) -> ContactRequest | None:
        row = await self.db.fetchone(
            "SELECT id, person_id, city_id, status, decided_by, position, organisation "
            "FROM contact_requests WHERE id = ?",
            (request_id,),
        )
        return None if row is None else _request(row)

    async def decide(
        self, request_id: int, *, approve: bool, staff_id: int, now: datetime
    ) -> tuple[ContactRequest | None, bool]:
        """Approve or reject a pending request (approval adds the contact), atomically.

        Returns the request as it is now and whether this call decided it; a request
        someone else already decided comes back unchanged with False.
        """
        stamp = to_db(now)
        status = RequestStatus.APPROVED if approve else RequestStatus.REJECTED

        def decide(conn: sqlite3.Connection) -> tuple[ContactRequest | None, bool]:
            changed = conn.execute(
                """
                UPDATE contact_requests SET status = ?, decided_by = ?, decided_at = ?
                 WHERE id = ? AND status = 'pending'
                """,
                (status.value, staff_id, stamp, request_id),
            ).rowcount
            row = conn.execute(
                "SELECT id, person_id, city_id, status, decided_by, position, organisation "
                "FROM contact_requests WHERE id = ?",
                (request_id,),
            ).fetchone()
            if row is None:
                return None, False
            if changed and approve:
                conn.execute(
                    """
                    INSERT OR IGNORE INTO city_contacts
                           (city_id, person_id, via, added_by, added_at)
                    VALUES (?, ?, 'request', ?, ?)
                    """,
                    (row["city_id"], row["person_id"], staff_id, stamp),
                )
            return _request(row), bool(changed)

        return await self.db.transaction(decide)

    async def add_notices(self, request_id: int, notices: Iterable[Notice]) -> None:
        await _REQUEST_NOTICES.add(self.db, request_id, notices)

    async def notices(self, request_id: int) -> list[Notice]:
        return await _REQUEST_NOTICES.of(self.db, request_id)
