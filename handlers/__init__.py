"""Routers, one per feature; the order below is the order aiogram tries them."""

from __future__ import annotations

from aiogram import Router

from handlers import (
    account,
    broadcast,
    cities_admin,
    city,
    contacts_admin,
    digest,
    events,
    fallback,
    group,
    office,
    replies,
    resolutions,
    staff_admin,
    start,
    subscriptions,
    surveys,
)

_root: Router | None = None


def build_router() -> Router:
    """The root router (built once: feature routers are module-level, as aiogram's examples)."""
    global _root
    if _root is None:
        _root = Router(name="root")
        _root.include_routers(
            group.router,
            start.router,
            account.router,
            subscriptions.router,
            city.router,
            contacts_admin.router,
            cities_admin.router,
            staff_admin.router,
            broadcast.router,
            surveys.router,
            events.router,
            resolutions.router,
            digest.router,
            office.router,
            replies.router,
            fallback.router,  # last: catches what nothing else did
        )
    return _root


def detach(root: Router) -> None:
    """Release the root from its stopped Dispatcher, so a new one can include it again
    (a restart inside one process: the tests, a supervisor loop). aiogram has no public
    call for this; its parent link is the one attribute to clear."""
    parent = root.parent_router
    if parent is not None:
        parent.sub_routers.remove(root)
        root._parent_router = None
