"""Announcement topics a person follows."""

from __future__ import annotations

from dataclasses import dataclass

from bot.topics import Topic
from storage.subscriptions import SubscriptionRepo

TOPICS = frozenset(topic.value for topic in Topic)


@dataclass(eq=False)
class SubscriptionService:
    repo: SubscriptionRepo

    async def topics_of(self, person_id: int) -> set[str]:
        return await self.repo.topics_of(person_id)

    async def toggle(self, person_id: int, topic: str) -> set[str] | None:
        """Follow or stop following a topic; the topics now followed (None: no such topic)."""
        if topic not in TOPICS:
            return None
        return await self.repo.toggle(person_id, topic)
