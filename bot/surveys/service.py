"""SurveyService: the information exchanges. One object, given to handlers as `surveys`,
put together from parts with one job each, every part a mixin in its own module:

- base.py: the surveys, read once and cached (get, find, overview)
- drafts.py: a survey file or a filled-in template imported as a draft; a draft discarded
- reach.py: who is asked, and one message to all of them
- comparing.py: last year beside this year (`compare_with`)
- answering.py: the answering dialog, a staff try-out of a draft included
- sheet_import.py: a city's answer spreadsheet sent back
- reports.py: participation, every city's state, export rows, summaries, charts
- lifecycle.py: open, close, remind (the timed actions), the results shared at closing

Mixins rather than sub-objects: the parts call one another (the dialog reads last year's
answers, closing counts who answered and draws the charts), and handlers call
`surveys.step(...)` or `surveys.close(...)` on the one object. Each mixin declares the fields
it uses as class annotations (but those a part it inherits declares already) and inherits
the parts it calls, so mypy checks every call across parts; sub-objects would need
references to one another and a forwarding method for each call a handler makes. The
dataclass below owns the fields (in the order `bot/app.py` passes them) and the caches.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta

from bot.clock import Clock
from bot.delivery.outbox import Outbox
from bot.scheduler import Scheduler
from bot.services.people import PeopleService
from bot.surveys.answers import unit_key
from bot.surveys.drafts import Drafts
from bot.surveys.lifecycle import CLOSE, REMIND, Lifecycle
from bot.surveys.sheet_import import SheetImporting
from bot.texts import TextCatalog
from storage.audit import AuditRepo
from storage.cities import CityRepo
from storage.contacts import ContactRepo
from storage.files import FileRepo
from storage.subscriptions import SubscriptionRepo
from storage.surveys import ResponseRepo, SurveyRepo


@dataclass(eq=False)
class SurveyService(Lifecycle, SheetImporting, Drafts):
    surveys: SurveyRepo
    responses: ResponseRepo
    cities: CityRepo
    contacts: ContactRepo
    subscriptions: SubscriptionRepo
    files: FileRepo
    people: PeopleService
    outbox: Outbox
    scheduler: Scheduler
    audit: AuditRepo
    clock: Clock
    reminders: list[timedelta]
    yes_words: Collection[str]
    no_words: Collection[str]

    def __post_init__(self) -> None:
        self._cache = {}
        self._slugs = {}
        self._previous = {}
        self.unit_words = _unit_groups(self.people.catalog)
        self.scheduler.register(REMIND, self._remind_action, grace=None)
        self.scheduler.register(CLOSE, self._close_action, grace=None)


def _unit_groups(catalog: TextCatalog) -> list[frozenset[str]]:
    """Words that name one unit (the rouble sign, rub, roubles ...), from every locale's
    `surveys.unit_words`: groups separated by `;`, words by `,`."""
    groups = []
    for locale in catalog.locales:
        for group in catalog.get(locale).plain("surveys.unit_words").split(";"):
            words = frozenset(unit_key(w) for w in group.split(",") if w.strip())
            if words:
                groups.append(words)
    return groups
