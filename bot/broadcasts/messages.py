"""What the broadcast dialog, the list of broadcasts and their notices look like."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiogram.types import InlineKeyboardMarkup

from bot.broadcasts.service import Audience, AudienceKind, JobSummary
from bot.callbacks import JobCb
from bot.delivery.parts import Part, Renderer, TextPart
from bot.inline_buttons import button, column
from bot.texts import Texts
from storage.cities import City
from storage.values import JobStatus


def describe(t: Texts, audience: Audience, members: Sequence[City]) -> str:
    """The audience in words, for the preview and the list."""
    if audience.kind is AudienceKind.TOPIC:
        return t.plain("broadcast.audience.topic", topic=t.plain(f"topic.{audience.topic}"))
    if audience.kind is AudienceKind.CITIES:
        names = [c.title(t.locale) for c in members if c.id in audience.city_ids]
        return t.plain("broadcast.audience.cities", names=names)
    return t.plain(f"broadcast.audience.{audience.kind.value}")


def listing_text(t: Texts, summaries: Sequence[JobSummary], members: Sequence[City]) -> str:
    """/broadcasts: the recent broadcasts with their audience and counts."""
    rows = [
        {
            "job": s.job,
            "counts": {k.value: v for k, v in s.counts.items()},
            "audience": describe(t, s.audience, members),
            "preview": s.preview,
        }
        for s in summaries
    ]
    return t("broadcast.list", rows=rows)


def jobs_keyboard(t: Texts, summaries: Sequence[JobSummary]) -> InlineKeyboardMarkup | None:
    """A Cancel button for each broadcast still scheduled or running."""
    cancels = [
        button(
            t.plain("broadcast.cancel_job", number=number),
            JobCb(action="cancel", job_id=summary.job.id),
        )
        for number, summary in enumerate(summaries, 1)
        if summary.job.status in (JobStatus.SCHEDULED, JobStatus.RUNNING)
    ]
    return column(*cancels) if cancels else None


def _missed(t: Texts, args: dict[str, Any]) -> list[Part]:
    return [TextPart(t("broadcast.missed", at=args["at"]))]


RENDERERS: dict[str, Renderer] = {
    "broadcast.missed": _missed,
}
