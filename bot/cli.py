"""`unionbot`: run the bot and maintain its database from the shell."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from bot.clock import Clock
from bot.settings import ConfigError, Settings, StorageSettings, load_settings
from bot.texts import Texts
from storage.db import Database, DatabaseUnavailable, SchemaTooNewError
from storage.setup import open_database

EXIT_USAGE = 2
log = logging.getLogger(__name__)
HEALTH_MAX_AGE = 180  # seconds: long polls return every 10 s, the heartbeat is written every 30


def _year(text: str) -> int:
    if not text.isdigit() or not 1990 <= int(text) <= 2100:
        raise argparse.ArgumentTypeError(f"a year from 1990 to 2100, not {text!r}")
    return int(text)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="unionbot", description="The Union of Cities Telegram bot."
    )
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot (the default; MODE chooses polling or webhook)")
    sub.add_parser("migrate", help="apply database migrations and exit")

    cities = sub.add_parser("cities", help="the member-city list")
    cities_sub = cities.add_subparsers(dest="action", required=True)
    cities_sub.add_parser("list", help="print the member cities")
    add = cities_sub.add_parser("add", help="add a member city")
    add.add_argument("name", help="the Russian name of the city")
    add.add_argument("--en", help="the English name, e.g. Vytegra")
    remove = cities_sub.add_parser("remove", help="take a city off the member list")
    remove.add_argument("name")

    survey = sub.add_parser("survey", help="information exchanges")
    survey_sub = survey.add_subparsers(dest="action", required=True)
    imported = survey_sub.add_parser(
        "import", help="check a survey file (.yaml, or the .xlsx template) and store it as a draft"
    )
    imported.add_argument("file", type=Path)
    exported = survey_sub.add_parser("export", help="the results as a spreadsheet")
    exported.add_argument("id", help="the survey's id from its file (or its number)")
    exported.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    exported.add_argument("-o", "--output", type=Path, required=True)

    backup = sub.add_parser("backup", help="online copy of the database (safe while running)")
    backup.add_argument(
        "file", type=Path, nargs="?", help="where to write; without it, into BACKUP_DIR"
    )
    health = sub.add_parser(
        "health", help="exit 0 if the database is current and the bot polled recently"
    )
    health.add_argument(
        "--max-age", type=int, default=HEALTH_MAX_AGE, metavar="SECONDS",
        help=f"how old the last poll may be (default {HEALTH_MAX_AGE})",
    )  # fmt: skip

    digest = sub.add_parser("digest", help="the annual digest: events, surveys, resolutions")
    digest.add_argument("year", type=_year)
    digest.add_argument(
        "-o", "--output", type=Path, help="write a .docx (or .md) file; Markdown goes to stdout"
    )
    digest.add_argument("--lang", choices=["ru", "en"], help="language (DEFAULT_LOCALE)")
    return parser


# A command that works on the database: called with it open, the parsed arguments and the
# settings; returns the exit status.
DbCommand = Callable[[Database, argparse.Namespace, StorageSettings], Awaitable[int]]


async def _with_db(command: DbCommand, args: argparse.Namespace, settings: StorageSettings) -> int:
    db = await open_database(settings.database_path, Clock().now())
    try:
        return await command(db, args, settings)
    finally:
        await db.close()


def _texts(settings: StorageSettings, lang: str | None = None) -> Texts:
    """The command line speaks the configured language (DEFAULT_LOCALE), like the bot."""
    from bot.texts import TextCatalog

    return TextCatalog.load(default_locale=settings.default_locale, tz=settings.tz).get(lang)


def _say(texts: Texts, key: str, /, **values: object) -> None:
    print(texts.plain(f"cli.{key}", **values))


async def _migrate(db: Database, args: argparse.Namespace, settings: StorageSettings) -> int:
    _say(_texts(settings), "migrated", path=str(db.path), version=await db.version())
    return 0


async def _cities(db: Database, args: argparse.Namespace, settings: StorageSettings) -> int:
    from bot.services.cities import CityService
    from storage.audit import AuditRepo
    from storage.cities import CityRepo

    texts = _texts(settings)
    service = CityService(CityRepo(db), AuditRepo(db), Clock())
    if args.action == "list":
        for row in await service.overview():
            _say(texts, "city_row", name=row.city.name, en=row.city.name_en, n=row.contacts)
        return 0
    if args.action == "add":
        city, added = await service.add(None, args.name, args.en)
        _say(texts, "city_added" if added else "city_already", name=city.name)
        return 0
    found = await service.find(args.name)
    if len(found) != 1:
        _say(texts, "city_unclear", query=args.name, names=[city.name for city in found])
        return 1
    await service.remove(None, found[0])
    _say(texts, "city_removed", name=found[0].name)
    return 0


async def _survey(db: Database, args: argparse.Namespace, settings: StorageSettings) -> int:
    from bot.surveys.definition import Definition, DefinitionError
    from bot.surveys.export import build_table, to_csv, to_xlsx
    from bot.surveys.files import store_definition, store_survey_file
    from bot.surveys.roster import build_comparison, build_roster
    from bot.surveys.template_reader import as_yaml, read_template
    from bot.surveys.workbook import WorkbookError
    from bot.texts import TextCatalog
    from storage.audit import AuditRepo
    from storage.subscriptions import SubscriptionRepo
    from storage.surveys import ImportRefusedError, ResponseRepo, SurveyRepo

    surveys = SurveyRepo(db)
    catalog = TextCatalog.load(default_locale=settings.default_locale, tz=settings.tz)
    texts = catalog.get(None)
    if args.action == "import":
        try:
            if args.file.suffix.lower() == ".xlsx":
                raw = args.file.read_bytes()
                source = ""
            else:
                source = args.file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            _say(texts, "cannot_read", file=str(args.file), error=str(error))
            return 1
        try:
            if args.file.suffix.lower() == ".xlsx":
                definition = read_template(
                    raw, catalog, texts, settings.tz, Clock().now(), await surveys.slugs()
                )
                if definition is None:
                    _say(texts, "survey_not_template", file=str(args.file))
                    return 1
                row, replaced = await store_definition(
                    surveys, AuditRepo(db), definition, as_yaml(definition), None,
                    Clock().now(),
                )  # fmt: skip
            else:
                row, replaced = await store_survey_file(
                    surveys, AuditRepo(db), source, None, Clock().now()
                )
        except WorkbookError as error:
            reason = texts.plain(f"surveys.sheet.{error.code}")
            _say(texts, "survey_unreadable", file=str(args.file), reason=reason)
            return 1
        except DefinitionError as error:
            _say(texts, "survey_problems", file=str(args.file), n=len(error.problems))
            for problem in error.problems:
                key = f"survey_file.{problem.code}"
                print(texts.plain(key, place=problem.place, **problem.params))
            return 1
        except ImportRefusedError:
            _say(texts, "survey_refused", file=str(args.file))
            return 1
        key = "survey_replaced" if replaced else "survey_imported"
        _say(texts, key, slug=row.slug, title=row.title)
        return 0
    found = await (surveys.get(int(args.id)) if args.id.isdigit() else surveys.by_slug(args.id))
    if found is None:
        _say(texts, "survey_missing", id=args.id)
        return 1
    by_cities = found.audience == "cities"
    definition = Definition.from_json(found.definition)
    invited = 0 if by_cities else len(await SubscriptionRepo(db).subscribers())
    roster = build_roster(
        definition, await ResponseRepo(db).for_export(found.id), by_cities=by_cities,
        invited=invited,
    )  # fmt: skip
    earlier = await surveys.by_slug(definition.compare_with or "")
    comparison = None
    if earlier is not None:
        moment = earlier.deadline or earlier.opened_at
        comparison = build_comparison(
            definition, Definition.from_json(earlier.definition),
            await ResponseRepo(db).for_export(earlier.id),
            moment.astimezone(settings.tz).year if moment else None,
        )  # fmt: skip
    table = build_table(
        catalog.get(None), definition, roster, settings.tz, closed=found.status == "closed",
        comparison=comparison,
    )  # fmt: skip
    content = to_csv(table) if args.format == "csv" else to_xlsx(table, found.title)
    args.output.write_bytes(content)
    _say(texts, "survey_written", file=str(args.output), n=len(table.rows), footer=table.footer)
    return 0


async def _backup(db: Database, args: argparse.Namespace, settings: StorageSettings) -> int:
    target: Path | None = args.file
    if target is not None:
        await db.backup(target)
        _say(_texts(settings), "backed_up", source=str(db.path), target=str(target))
        return 0
    assert settings.backup_dir is not None
    from storage.backup import BackupFolder

    folder = BackupFolder(db, settings.backup_dir, settings.backup_keep)
    made = await folder.make(Clock().now())
    _say(
        _texts(settings), "backed_up_into", source=str(db.path), target=str(made),
        n=len(folder.existing()),
    )  # fmt: skip
    return 0


def _health(settings: StorageSettings, max_age: int) -> int:
    """One line; 0 if the database opens at the current schema and the bot polled (or got
    a webhook update, or saw its webhook in order) in the last `max_age` seconds."""
    import sqlite3

    from storage.db import SCHEMA_VERSION
    from storage.status import probe

    texts = _texts(settings)
    try:
        version, beat = probe(settings.database_path)
    except (OSError, sqlite3.Error) as error:
        _say(texts, "health_unreadable", error=str(error))
        return 1
    if version != SCHEMA_VERSION:
        _say(texts, "health_schema", version=version, needed=SCHEMA_VERSION)
        return 1
    if beat is None:
        _say(texts, "health_never")
        return 1
    age = int((Clock().now() - beat).total_seconds())
    if age > max_age:
        _say(texts, "health_stale", age=age, max_age=max_age)
        return 1
    _say(texts, "health_ok", version=version, age=max(age, 0))
    return 0


async def _digest(db: Database, args: argparse.Namespace, settings: StorageSettings) -> int:
    from bot.services.digest import DigestService, digest_docx, digest_markdown
    from bot.surveys.digest import participation_by_year
    from bot.texts import TextCatalog
    from storage.events import EventRepo
    from storage.resolutions import ResolutionRepo
    from storage.surveys import SurveyRepo

    texts = TextCatalog.load(default_locale=settings.default_locale, tz=settings.tz).get(args.lang)
    service = DigestService(
        EventRepo(db),
        ResolutionRepo(db),
        Clock(),
        settings.tz,
        survey_participation=participation_by_year(SurveyRepo(db), settings.tz),
    )
    digest = await service.build(args.year)
    markdown = digest_markdown(texts, digest)
    output: Path | None = args.output
    if output is None:
        print(markdown, end="")
        return 0
    content = (
        markdown.encode("utf-8") if output.suffix.lower() == ".md" else digest_docx(texts, digest)
    )
    await asyncio.to_thread(_write, output, content)
    _say(texts, "digest_written", year=args.year, file=str(output))
    return 0


_DB_COMMANDS: dict[str, DbCommand] = {
    "migrate": _migrate,
    "cities": _cities,
    "survey": _survey,
    "backup": _backup,
    "digest": _digest,
}


def _write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


async def _run(settings: Settings) -> int:
    from bot.app import App, StoppedBeforeStart

    app = App(settings)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):  # until a run mode installs its own
        loop.add_signal_handler(sig, app.stop)
    try:
        async with app:
            if settings.mode == "webhook":
                await app.run_webhook()
            else:
                await app.run_polling()
    except StoppedBeforeStart:
        log.info("stopped before Telegram could be reached")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command = args.command or "run"
    secrets: list[str] = []
    try:
        if command == "run":
            settings = load_settings(Settings)
            from bot.logs import setup_logging

            secrets.append(settings.bot_token.get_secret_value())
            setup_logging(settings.log_level, secrets)
            return asyncio.run(_run(settings))
        storage = load_settings(StorageSettings)
        if command == "backup" and args.file is None and storage.backup_dir is None:
            print(_texts(storage).plain("cli.backup_where"), file=sys.stderr)
            return EXIT_USAGE
        if command in _DB_COMMANDS:
            return asyncio.run(_with_db(_DB_COMMANDS[command], args, storage))
        if command == "health":
            return _health(storage, args.max_age)
    except ConfigError as error:
        for line in str(error).splitlines():
            print(f"configuration error: {line}", file=sys.stderr)
        return EXIT_USAGE
    except SchemaTooNewError as error:
        print(f"cannot start: {error}", file=sys.stderr)
        return EXIT_USAGE
    except DatabaseUnavailable as error:
        print(f"cannot open the database {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 0
    except Exception as error:  # one masked line; the traceback goes to the (masked) log
        from aiogram.exceptions import (
            TelegramBadRequest,
            TelegramNotFound,
            TelegramUnauthorizedError,
        )

        from bot.logs import masked

        if isinstance(error, TelegramUnauthorizedError):
            print("cannot start: Telegram refused BOT_TOKEN (check the token)", file=sys.stderr)
            return EXIT_USAGE
        if isinstance(error, TelegramBadRequest | TelegramNotFound):
            line = masked(" ".join(error.message.split())[:200], secrets)
            print(
                f"cannot start: the Bot API server refused {error.method.__api_method__}: {line}"
                " (check TELEGRAM_API_BASE)",
                file=sys.stderr,
            )
            return EXIT_USAGE
        log.debug("failed", exc_info=True)
        line = masked(" ".join(f"{type(error).__name__}: {error}".split())[:300], secrets)
        print(f"{command} failed: {line}", file=sys.stderr)
        return 1
    return EXIT_USAGE
