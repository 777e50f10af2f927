"""Assembly: database, repositories, services, the Bot and the Dispatcher; and the run modes."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

import aiohttp
from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    AiogramError,
    TelegramBadRequest,
    TelegramNotFound,
    TelegramUnauthorizedError,
)
from aiogram.fsm.storage.base import DefaultKeyBuilder
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.types import Update
from aiogram.utils.callback_answer import CallbackAnswerMiddleware
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from pydantic import ValidationError

from bot import ui
from bot.broadcasts import messages as broadcast_messages
from bot.broadcasts.service import BroadcastService
from bot.clock import Clock
from bot.commands import CommandMenus
from bot.contacts import messages as contact_messages
from bot.contacts.service import ContactService
from bot.delivery.notify import Notifier
from bot.delivery.outbox import Outbox
from bot.delivery.pacing import CountEverySend
from bot.delivery.parts import Renderers
from bot.delivery.progress import Progress
from bot.delivery.sender import Sender, SenderConfig
from bot.events import messages as event_messages
from bot.events.service import EventService
from bot.heartbeat import WEBHOOK_CHECK, Heartbeat
from bot.middlewares import ButtonMessage, StaleButtons, UpdateTracker, ViewerMiddleware
from bot.office import messages as office_messages
from bot.office.service import OfficeService
from bot.resolutions import messages as resolution_messages
from bot.resolutions.service import ResolutionService
from bot.scheduler import Scheduler
from bot.services.cities import CityService
from bot.services.digest import DigestService
from bot.services.maintenance import MaintenanceService
from bot.services.people import PeopleService
from bot.services.staff import StaffService
from bot.services.subscriptions import SubscriptionService
from bot.settings import Settings
from bot.surveys import notices as survey_notices
from bot.surveys.digest import participation_by_year
from bot.surveys.service import SurveyService
from bot.texts import TextCatalog
from handlers import build_router, detach
from storage.audit import AuditRepo
from storage.backup import BackupFolder
from storage.cities import CityRepo
from storage.contacts import ContactRepo, InviteRepo, RequestRepo
from storage.db import Database
from storage.events import EventRepo
from storage.files import FileRepo
from storage.fsm import SQLiteStorage
from storage.maintenance import MaintenanceRepo
from storage.menus import MenuRepo
from storage.office import OfficeRepo
from storage.outbox import OutboxRepo
from storage.people import PeopleRepo
from storage.resolutions import ResolutionRepo
from storage.setup import open_database
from storage.staff import StaffRepo
from storage.status import StatusRepo
from storage.subscriptions import SubscriptionRepo
from storage.surveys import ResponseRepo, SurveyRepo
from storage.timed import TimedActionRepo

log = logging.getLogger(__name__)

SHUTDOWN_GRACE = 15.0  # seconds to let in-flight updates finish
RETRY_FIRST, RETRY_MAX = 1.0, 60.0  # seconds between attempts to reach Telegram at start
T = TypeVar("T")


class StoppedBeforeStart(Exception):
    """Asked to stop while still waiting for Telegram at start."""


def pin_response_types() -> list[type]:
    """aiogram parametrizes `Response[...]` on every call; pydantic keeps parametrized
    classes in a weak cache, so once collected each is rebuilt (milliseconds of schema
    work per request, measured at 8 % of the bot's CPU). Holding them keeps the cache warm."""
    from aiogram import methods
    from aiogram.methods.base import Response

    used = (
        methods.SendMessage, methods.EditMessageText, methods.EditMessageReplyMarkup,
        methods.AnswerCallbackQuery, methods.CopyMessage, methods.SendDocument,
        methods.SendPhoto, methods.GetUpdates, methods.DeleteMessage, methods.SetMyCommands,
        methods.DeleteMyCommands, methods.GetMe, methods.DeleteWebhook, methods.SetWebhook,
        methods.GetFile,
    )  # fmt: skip
    return [Response[method.__returning__] for method in used]  # type: ignore[name-defined]


def _words(catalog: TextCatalog, key: str) -> set[str]:
    """A comma-separated list of words from every locale (answers typed as yes or no)."""
    return {
        word.strip()
        for locale in catalog.locales
        for word in catalog.get(locale).plain(key).split(",")
        if word.strip()
    }


@dataclass(frozen=True, slots=True)
class Services:
    """What handlers may ask for by name (aiogram injects each field as a handler argument):
    services, the text catalog and settings; never a repository or the database."""

    settings: Settings
    clock: Clock
    catalog: TextCatalog
    people: PeopleService
    menus: CommandMenus
    subscriptions: SubscriptionService
    cities: CityService
    staff: StaffService
    contacts: ContactService
    broadcasts: BroadcastService
    surveys: SurveyService
    events: EventService
    resolutions: ResolutionService
    digests: DigestService
    office: OfficeService

    def as_data(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


class CheckedWebhook(SimpleRequestHandler):
    """The webhook, refusing with 400 (and one log line) a body that is not an update:
    malformed or empty JSON, an array, null, an object without an integer update_id.
    Updates are checked before they are handed to the dispatcher in the background."""

    async def handle(self, request: web.Request) -> web.Response:
        bot = await self.resolve_bot(request)
        if not self.verify_secret(request.headers.get("X-Telegram-Bot-Api-Secret-Token", ""), bot):
            return web.Response(body="Unauthorized", status=401)
        try:
            update = await request.json()
        except ValueError:
            update = None
        if not isinstance(update, dict) or type(update.get("update_id")) is not int:
            log.warning("webhook: refused a request that is not an update (HTTP 400)")
            return web.Response(body="Bad Request: not an update", status=400)
        try:
            Update.model_validate(update, context={"bot": bot})
        except ValidationError:
            log.warning("webhook: refused update %s: not a valid update", update["update_id"])
            return web.Response(body="Bad Request: not a valid update", status=400)
        task = asyncio.create_task(self._background_feed_update(bot=bot, update=update))
        self._background_feed_update_tasks.add(task)
        task.add_done_callback(self._background_feed_update_tasks.discard)
        return web.json_response({})


class App:
    """One running bot. Use `async with App(settings) as app:` then a run method."""

    def __init__(self, settings: Settings, *, clock: Clock | None = None) -> None:
        """A `clock` passed in is driven by the caller: timed actions then wait for
        `app.scheduler.run_due()` instead of firing on the wall clock (the tests do this)."""
        self.settings = settings
        self.clock = clock or Clock()
        self.timers_driven_by_caller = clock is not None
        self.tracker = UpdateTracker()
        self._stop = asyncio.Event()
        self.started = asyncio.Event()  # set once start-up work (menus, timers) is done
        self._polling = False

    async def __aenter__(self) -> App:
        try:
            await self.setup()
        except BaseException:
            await self.close()  # what was opened (a connection thread keeps a process alive)
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def setup(self) -> None:
        settings = self.settings
        self._pinned = pin_response_types()
        self.db = db = await open_database(settings.database_path, self.clock.now())
        self.catalog = catalog = TextCatalog.load(
            default_locale=settings.default_locale, tz=settings.tz
        )
        catalog.warm()
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_base))
        self.bot = bot = Bot(
            token=settings.bot_token.get_secret_value(),
            session=session,
            default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
        )
        self.fsm = SQLiteStorage(
            db, key_builder=DefaultKeyBuilder(with_bot_id=True, with_destiny=True)
        )

        self.me = await self.reach(bot.me)  # the username goes into links the bot makes
        self.services = self._services(db, bot, self.fsm, catalog)
        self.menus = self.services.menus
        self.dispatcher = dp = Dispatcher(
            storage=self.fsm, events_isolation=SimpleEventIsolation(), **self.services.as_data()
        )
        # The tracker goes first, around aiogram's own (the error handler among them): an
        # update counts as handled once the apology for a failure has been sent too.
        builtin = list(dp.update.outer_middleware)
        for middleware in builtin:
            dp.update.outer_middleware.unregister(middleware)
        dp.update.outer_middleware(self.tracker)
        for middleware in builtin:
            dp.update.outer_middleware(middleware)
        dp.update.outer_middleware(ViewerMiddleware())
        dp.callback_query.middleware(CallbackAnswerMiddleware())
        for observer in (dp.message, dp.callback_query):
            observer.middleware(StaleButtons())
        dp.callback_query.middleware(ButtonMessage())
        self.router = build_router()
        dp.include_router(self.router)
        dp.startup.register(self._on_startup)
        dp.shutdown.register(self._on_shutdown)

    async def _on_startup(self) -> None:
        me = self.me
        log.info("bot @%s (id %s) starting in %s mode", me.username, me.id, self.settings.mode)
        try:
            await self.menus.setup_defaults()
            await self.menus.refresh_everyone_special()
        except Exception:  # a menu is not worth refusing to start
            log.exception("could not set the command menus")
        await self.services.broadcasts.reconcile()
        await self.services.events.reconcile()
        await self.maintenance.arm()
        await self.scheduler.start()
        await self.progress.resume()
        self.sender.start()  # last: if anything above fails, nothing is left running
        # Everything built so far lives as long as the process: keep the garbage collector
        # from walking it again and again (it showed as 100+ ms pauses under load).
        gc.freeze()
        self.started.set()

    def _services(
        self, db: Database, bot: Bot, fsm: SQLiteStorage, catalog: TextCatalog
    ) -> Services:
        """Repositories, the delivery engine and the services, wired once."""
        settings, clock, owners = self.settings, self.clock, self.settings.admin_ids
        people_repo, staff_repo, audit = PeopleRepo(db), StaffRepo(db), AuditRepo(db)
        cities_repo, contact_repo = CityRepo(db), ContactRepo(db)
        subscriptions, files = SubscriptionRepo(db), FileRepo(db)
        event_repo, resolution_repo, survey_repo = EventRepo(db), ResolutionRepo(db), SurveyRepo(db)

        people = PeopleService(people_repo, staff_repo, catalog, fsm, clock, owners)
        self.renderers = renderers = Renderers(
            ui.RENDERERS,
            contact_messages.RENDERERS,
            broadcast_messages.RENDERERS,
            survey_notices.RENDERERS,
            event_messages.renderers(self.me.username or ""),
            resolution_messages.RENDERERS,
            office_messages.RENDERERS,
        )
        notifier = Notifier(bot, renderers, people.texts_of, people.deactivate, clock)

        outbox_repo = OutboxRepo(db)
        self.sender = Sender(
            bot, outbox_repo, files, renderers, catalog, clock,
            SenderConfig.for_rate(settings.broadcast_rate),
        )  # fmt: skip
        bot.session.middleware(CountEverySend(self.sender.pacer))
        self.outbox = outbox = Outbox(outbox_repo, self.sender, clock)
        self.progress = Progress(bot, outbox_repo, people.texts_of, clock, settings.broadcast_rate)
        self.sender.on_finished.append(self.progress.finished)
        self.scheduler = scheduler = Scheduler(
            TimedActionRepo(db), clock, settings.schedule_grace,
            paused=self.timers_driven_by_caller,
        )  # fmt: skip
        self.heartbeat = Heartbeat(StatusRepo(db))
        bot.session.middleware(self.heartbeat)
        self.maintenance = MaintenanceService(
            MaintenanceRepo(db), resolution_repo, StatusRepo(db), scheduler, clock,
            fsm.forget_user, retention=settings.delivery_retention,
            at=settings.maintenance_time, tz=settings.tz,
            backups=BackupFolder(db, settings.backup_dir, settings.backup_keep)
            if settings.backup_dir else None,
        )  # fmt: skip
        channel = settings.announce_channel_id
        return Services(
            settings=settings,
            clock=clock,
            catalog=catalog,
            people=people,
            menus=CommandMenus(bot, catalog, people, MenuRepo(db)),
            subscriptions=SubscriptionService(subscriptions),
            cities=CityService(cities_repo, audit, clock),
            staff=StaffService(staff_repo, audit, notifier, clock, owners),
            contacts=ContactService(
                cities_repo, contact_repo, InviteRepo(db), RequestRepo(db), audit, people,
                notifier, clock, settings.invite_ttl,
            ),
            broadcasts=BroadcastService(
                outbox, outbox_repo, subscriptions, contact_repo, people, people_repo,
                scheduler, self.progress, notifier, audit, clock,
            ),
            surveys=SurveyService(
                survey_repo, ResponseRepo(db), cities_repo, contact_repo, subscriptions, files,
                people, outbox, scheduler, audit, clock, settings.survey_reminders,
                yes_words=_words(catalog, "surveys.yes_words"),
                no_words=_words(catalog, "surveys.no_words"),
            ),
            events=EventService(
                event_repo, subscriptions, outbox, scheduler, audit, clock,
                reminders=settings.event_reminders, channel_id=channel, tz=settings.tz,
                remind_subscribers=settings.event_reminders_to_subscribers,
            ),
            resolutions=ResolutionService(
                resolution_repo, files, subscriptions, contact_repo, people, outbox, notifier,
                audit, clock, channel_id=channel,
            ),
            # The surveys feature passes its participation query (see bot/services/digest.py).
            digests=DigestService(
                event_repo, resolution_repo, clock, settings.tz,
                survey_participation=participation_by_year(survey_repo, settings.tz),
            ),
            office=OfficeService(OfficeRepo(db), people, notifier, audit, clock),
        )  # fmt: skip

    async def _on_shutdown(self) -> None:
        # Tasks for updates fetched just before the stop are created but may not have
        # started yet; let them reach the tracker before waiting for it.
        for _ in range(3):
            await asyncio.sleep(0)
        await self.tracker.wait_idle(SHUTDOWN_GRACE)
        self.scheduler.shutdown()
        await self.sender.stop(SHUTDOWN_GRACE)
        await self.progress.stop()

    # --- run modes --------------------------------------------------------------------------

    async def run_polling(self, *, handle_signals: bool = True) -> None:
        """Long polling until `stop()` or SIGTERM/SIGINT."""
        self._polling = True
        await self.reach(self._drop_webhook)
        stopper = asyncio.create_task(self._stop_polling_when_asked())
        try:
            await self.dispatcher.start_polling(
                self.bot,
                handle_signals=handle_signals,
                close_bot_session=False,
                allowed_updates=self.dispatcher.resolve_used_update_types(),
            )
        finally:
            stopper.cancel()

    async def _drop_webhook(self) -> None:
        """A webhook left set would keep updates from polling. A server that answers but
        refuses the call (a local Bot API or a test server without webhooks) has none to drop:
        polling goes ahead."""
        try:
            await self.bot.delete_webhook(drop_pending_updates=False)
        except (TelegramBadRequest, TelegramNotFound) as error:
            log.warning("deleteWebhook refused (%s); polling anyway", error.message)

    async def _stop_polling_when_asked(self) -> None:
        await self._stop.wait()
        while True:
            try:
                await self.dispatcher.stop_polling()
                return
            except RuntimeError:  # asked before polling began: wait until it has
                await asyncio.sleep(0.01)

    async def run_webhook(self, *, handle_signals: bool = True) -> web.AppRunner:
        """Serve Telegram's webhook until `stop()` or SIGTERM/SIGINT."""
        settings = self.settings
        if not settings.webhook_url or settings.webhook_secret is None:
            raise RuntimeError("webhook mode needs WEBHOOK_URL and WEBHOOK_SECRET")
        secret = settings.webhook_secret.get_secret_value()
        app = web.Application()
        CheckedWebhook(dispatcher=self.dispatcher, bot=self.bot, secret_token=secret).register(
            app, path=settings.webhook_path
        )
        self.dispatcher.update.outer_middleware(self.heartbeat.on_update)
        runner = web.AppRunner(app, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, settings.webhook_host, settings.webhook_port)
        await site.start()
        self.webhook_runner = runner
        if handle_signals:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, self._stop.set)
        await self.dispatcher.emit_startup(bot=self.bot, **self.dispatcher.workflow_data)
        await self.reach(
            lambda: self.bot.set_webhook(
                settings.webhook_url or "",
                secret_token=secret,
                allowed_updates=self.dispatcher.resolve_used_update_types(),
                drop_pending_updates=False,
            )
        )
        log.info("webhook listening on %s:%s", settings.webhook_host, settings.webhook_port)
        watcher = asyncio.create_task(self._watch_webhook(settings.webhook_url))
        try:
            await self._stop.wait()
        finally:
            watcher.cancel()
            # Stop taking updates first, then let the ones in flight finish.
            await site.stop()
            await self.dispatcher.emit_shutdown(bot=self.bot, **self.dispatcher.workflow_data)
            await runner.cleanup()
        return runner

    async def _watch_webhook(self, url: str) -> None:
        """Webhook mode: the heartbeat also beats while Telegram confirms the webhook is
        set to our URL with no delivery error since the last check (quiet hours)."""
        since = self.clock.now() - timedelta(seconds=WEBHOOK_CHECK)
        while True:
            checked = self.clock.now()
            try:
                info = await self.bot.get_webhook_info()
            except Exception as error:
                log.warning("could not check the webhook: %s", error)
            else:
                error_at = info.last_error_date
                failing = error_at is not None and error_at > since
                if info.url == url and not failing:
                    await self.heartbeat.beat(force=True)
                elif info.url != url:
                    log.warning("Telegram has another webhook URL: %r", info.url)
            since = checked
            await asyncio.sleep(WEBHOOK_CHECK)

    def stop(self) -> None:
        """Stop taking updates (either mode); the run method returns once in-flight work ends."""
        self._stop.set()

    async def reach(self, call: Callable[[], Awaitable[T]]) -> T:
        """A call Telegram must answer before the bot can start. While the server cannot be
        reached (no network, a wrong TELEGRAM_API_BASE, Telegram down) it is tried again
        with growing pauses, one log line each time; `stop()` (SIGTERM) ends the waiting at
        once (StoppedBeforeStart). A token Telegram refuses (401), or a request it refuses
        (400, 404: e.g. TELEGRAM_API_BASE is not a Bot API server), is not retried."""
        pause = RETRY_FIRST
        while True:
            try:
                return await call()
            except (TelegramUnauthorizedError, TelegramBadRequest, TelegramNotFound):
                raise  # an answer (a refused token, a wrong address), not an outage
            except (AiogramError, aiohttp.ClientError, OSError, TimeoutError) as error:
                log.warning(
                    "Telegram is not reachable at %s (%s); trying again in %.0f s",
                    self.settings.telegram_api_base,
                    " ".join(str(error).split())[:200] or type(error).__name__,
                    pause,
                )
            try:
                await asyncio.wait_for(self._stop.wait(), pause)
            except TimeoutError:
                pause = min(pause * 2, RETRY_MAX)
                continue
            raise StoppedBeforeStart

    async def close(self) -> None:
        if self._polling and self.tracker.last_update_id is not None and hasattr(self, "bot"):
            # Confirm handled updates, or Telegram hands them out again after a restart.
            with suppress(Exception):
                await self.bot.get_updates(
                    offset=self.tracker.last_update_id + 1, timeout=0, limit=1
                )
        # A failed start has opened only some of these.
        if hasattr(self, "bot"):
            await self.bot.session.close()
        if hasattr(self, "fsm"):
            await self.fsm.close()
        if hasattr(self, "db"):
            await self.db.close()
        if hasattr(self, "router"):
            detach(self.router)
        if self.started.is_set():
            log.info("stopped")
