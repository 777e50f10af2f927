"""The status and kind columns of the stored rows: each enum is one column's values, exactly
what that column's CHECK constraint in storage/migrations/ allows (tests/test_storage.py
checks that the two agree, and that every checked column is accounted for)."""

from __future__ import annotations

from enum import StrEnum


class RequestStatus(StrEnum):
    """contact_requests.status: a person's request to become a city's contact."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class JobStatus(StrEnum):
    """delivery_jobs.status: a mass send (broadcast, announcement, notice) in the outbox."""

    SCHEDULED = "scheduled"
    RUNNING = "running"
    DONE = "done"
    CANCELLED = "cancelled"
    MISSED = "missed"


class Outcome(StrEnum):
    """deliveries.status: what became of one recipient's copy of a job."""

    PENDING = "pending"
    SENT = "sent"
    BLOCKED = "blocked"
    FAILED = "failed"
    CANCELLED = "cancelled"


class ActionStatus(StrEnum):
    """timed_actions.status: a reminder or timed send the scheduler arms."""

    PENDING = "pending"
    DONE = "done"
    MISSED = "missed"
    CANCELLED = "cancelled"


class SurveyStatus(StrEnum):
    """surveys.status: an information exchange's life."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class EventKind(StrEnum):
    """events.kind: what sort of event (its topic follows from it)."""

    ASSEMBLY = "assembly"
    SECTION = "section"
    CONFERENCE = "conference"
    ROUND_TABLE = "round_table"
    CONTEST = "contest"
    SPORT = "sport"
    OTHER = "other"


class EventFormat(StrEnum):
    """events.format: in person, by video link, or both."""

    IN_PERSON = "in_person"
    ONLINE = "online"
    HYBRID = "hybrid"

    @property
    def has_place(self) -> bool:
        return self is not EventFormat.ONLINE

    @property
    def has_link(self) -> bool:
        return self is not EventFormat.IN_PERSON


class EventStatus(StrEnum):
    """events.status"""

    PUBLISHED = "published"
    CANCELLED = "cancelled"


class ResolutionStatus(StrEnum):
    """resolutions.status: a draft circulated for comments, or the adopted text."""

    DRAFT = "draft"
    ADOPTED = "adopted"
