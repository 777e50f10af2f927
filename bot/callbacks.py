"""Callback data of every inline button: short prefixes and ids only (64-byte limit)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class TopicCb(CallbackData, prefix="tp"):
    topic: str


class LanguageCb(CallbackData, prefix="lang"):
    locale: str


class ForgetCb(CallbackData, prefix="fg"):
    confirm: bool


class CityPickCb(CallbackData, prefix="cp"):
    """A city chosen from a list; `purpose` says which dialog asked."""

    purpose: str  # "request" | "invite"
    city_id: int


class RequestCb(CallbackData, prefix="rq"):
    request_id: int
    approve: bool


class ContactCb(CallbackData, prefix="ct"):
    action: str  # "ask" | "remove" | "keep"
    city_id: int
    person_id: int


class CityAdminCb(CallbackData, prefix="ca"):
    action: str  # "remove" | "keep"
    city_id: int


class EventCb(CallbackData, prefix="ev"):
    """An event card: "open", "go", "nogo", "ics", "people", "edit", "cancel", "drop" (confirm
    the cancel), "keep"; `page` is the /events page to return to (-1: a card on its own)."""

    action: str
    event_id: int
    page: int = -1


class EventListCb(CallbackData, prefix="evl"):
    page: int


class ResolutionCb(CallbackData, prefix="rs"):
    """A resolution: "open" its card, "text" (send it in full), "comment" on a draft."""

    action: str
    resolution_id: int


class ResolutionYearCb(CallbackData, prefix="rsy"):
    year: int


class SearchHitCb(CallbackData, prefix="rsh"):
    """A resolution opened from search results; `q` is the query, to go back to them."""

    id: int
    q: str


class SearchCb(CallbackData, prefix="rss"):
    """Back to the search results for `q`."""

    q: str


def fit_query(words: str, room: int = 44) -> str:
    """A search query short enough for callback data (64 bytes): whole words while they fit
    `room` bytes of UTF-8 (colons are the separator of callback data)."""
    kept = ""
    for word in words.replace(":", " ").split():
        candidate = f"{kept} {word}".strip()
        if len(candidate.encode()) > room:
            break
        kept = candidate
    return kept


class CommentCb(CallbackData, prefix="cm"):
    """Staff answer a comment on a draft."""

    comment_id: int


class JobCb(CallbackData, prefix="jb"):
    """A delivery job: "cancel" it."""

    action: str
    job_id: int


class SurveyCb(CallbackData, prefix="sv"):
    """The answering dialog: survey, city (0: ask which), question index, value index."""

    a: str  # go, ch, yn, sc, mt, md, sk, bk, rv, ed, sub, x
    s: int
    c: int = 0
    q: int = -1
    v: int = 0


class SurveyAdminCb(CallbackData, prefix="sa"):
    """Staff actions on one survey."""

    a: str  # card, open, discard, close, close_ok, reopen, status, remind, remind_ok,
    # csv, xlsx, charts, go (confirm opening), when (another deadline)
    s: int


class DialogCb(CallbackData, prefix="dg"):
    """A button of a dialog: `d` names the dialog, `a` the action, `v` its value."""

    d: str
    a: str  # pick, skip, field, fields, preview, abort, or one of the dialog's own actions
    v: str = ""


class OfficeCb(CallbackData, prefix="of"):
    """The line to the office: "pass" a stray message on (`id`: its message id) or "keep" it;
    staff "answer" one (`id`: the office message)."""

    a: str
    id: int
