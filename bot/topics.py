"""Announcement topics a person can subscribe to (labels live in locales: topic.<name>)."""

from __future__ import annotations

from enum import StrEnum


class Topic(StrEnum):
    ASSEMBLIES = "assemblies"  # general assemblies and their resolutions
    SECTIONS = "sections"  # section meetings: youth, education, culture, sport
    CONFERENCES = "conferences"  # conferences and round tables
    CONTESTS = "contests"  # contests and festivals
    SPORT = "sport"  # the Spartakiad and other sport events
    SURVEYS = "surveys"  # results of information exchanges


ALL_TOPICS: tuple[Topic, ...] = tuple(Topic)
