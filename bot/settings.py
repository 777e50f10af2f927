"""Configuration from the environment or `.env`, validated once at start."""

from __future__ import annotations

import re
from datetime import time, timedelta
from pathlib import Path
from typing import Annotated, Literal, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

TOKEN_RE = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{30,}$")
DURATION_RE = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
DURATION_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> timedelta:
    """`90s`, `30m`, `24h`, `3d`, `1w` -> timedelta."""
    match = DURATION_RE.match(text)
    if not match:
        raise ValueError(f"expected a duration like 30m, 24h or 3d, got {text!r}")
    amount, unit = match.groups()
    return timedelta(**{DURATION_UNITS[unit]: int(amount)})


def _split(value: object) -> list[str]:
    if isinstance(value, str):
        return [part for part in re.split(r"[\s,;]+", value) if part]
    if isinstance(value, int):
        return [str(value)]
    if isinstance(value, list | tuple | set | frozenset):
        return [str(part) for part in value]
    raise ValueError("expected a comma-separated list")


def _durations(value: object) -> list[timedelta]:
    if isinstance(value, timedelta):
        return [value]
    items = (
        value
        if isinstance(value, list) and all(isinstance(v, timedelta) for v in value)
        else [parse_duration(part) for part in _split(value)]
    )
    return sorted(items, reverse=True)


Durations = Annotated[list[timedelta], NoDecode]


class StorageSettings(BaseSettings):
    """What the maintenance commands (migrate, cities, backup) need: no token."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    database_path: Path = Path("data/bot.sqlite3")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    timezone: str = "Europe/Moscow"
    default_locale: Literal["ru", "en"] = "ru"
    backup_dir: Path | None = None  # daily backups go here (with the daily maintenance)
    backup_keep: int = Field(default=14, ge=1)

    @field_validator("backup_dir", mode="before")
    @classmethod
    def _no_dir(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r} (use a name like Europe/Moscow)"
            ) from None
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class Settings(StorageSettings):
    """Every setting from SPEC.md; names are the environment variables, upper-cased."""

    bot_token: SecretStr
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    telegram_api_base: str = "https://api.telegram.org"
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "0.0.0.0"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    broadcast_rate: float = Field(default=25.0, gt=0, le=1000)
    event_reminders: Durations = Field(
        default_factory=lambda: [timedelta(hours=24), timedelta(hours=1)]
    )
    event_reminders_to_subscribers: bool = False  # also remind the topic's subscribers
    survey_reminders: Durations = Field(
        default_factory=lambda: [timedelta(days=3), timedelta(days=1)]
    )
    invite_ttl: Annotated[timedelta, NoDecode] = timedelta(days=7)
    schedule_grace: Annotated[dict[str, timedelta], NoDecode] = Field(default_factory=dict)
    announce_channel_id: int | None = None
    delivery_retention: Annotated[timedelta, NoDecode] = timedelta(days=90)
    maintenance_time: Annotated[time | None, NoDecode] = time(4, 0)  # None: off

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        if not TOKEN_RE.match(value.get_secret_value().strip()):
            raise ValueError("does not look like a bot token from @BotFather (123456:ABC-...)")
        return SecretStr(value.get_secret_value().strip())

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _admin_ids(cls, value: object) -> frozenset[int]:
        ids: set[int] = set()
        for part in _split(value):
            if not part.isdigit():
                raise ValueError(f"expected Telegram user ids separated by commas, got {part!r}")
            ids.add(int(part))
        return frozenset(ids)

    @field_validator("event_reminders", "survey_reminders", mode="before")
    @classmethod
    def _offsets(cls, value: object) -> list[timedelta]:
        return _durations(value)

    @field_validator("schedule_grace", mode="before")
    @classmethod
    def _grace(cls, value: object) -> dict[str, timedelta]:
        if isinstance(value, dict):
            return {
                str(k): v if isinstance(v, timedelta) else parse_duration(str(v))
                for k, v in value.items()
            }
        grace = {}
        for item in _split(value):
            kind, sep, duration = item.partition("=")
            if not sep or not kind:
                raise ValueError(f"expected kind=duration pairs like broadcast=2h, got {item!r}")
            grace[kind] = parse_duration(duration)
        return grace

    @field_validator("invite_ttl", "delivery_retention", mode="before")
    @classmethod
    def _ttl(cls, value: object) -> timedelta:
        return value if isinstance(value, timedelta) else parse_duration(str(value))

    @field_validator("maintenance_time", mode="before")
    @classmethod
    def _daily_at(cls, value: object) -> time | None:
        if value is None or isinstance(value, time):
            return value
        text = str(value).strip().lower()
        if text in {"", "off", "none"}:
            return None
        match = re.fullmatch(r"(\d{1,2}):(\d{2})", text)
        if not match or int(match[1]) > 23 or int(match[2]) > 59:
            raise ValueError(f"expected a time of day like 04:00, or off; got {value!r}")
        return time(int(match[1]), int(match[2]))

    @field_validator("telegram_api_base")
    @classmethod
    def _api_base(cls, value: str) -> str:
        if urlsplit(value).scheme not in {"http", "https"}:
            raise ValueError("expected an http(s) URL")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _webhook_complete(self) -> Settings:
        if self.mode == "webhook":
            # Telegram itself needs https; a local Bot API server also takes http.
            if not self.webhook_url or urlsplit(self.webhook_url).scheme not in {"http", "https"}:
                raise ValueError("WEBHOOK_URL: a URL is required when MODE=webhook")
            if self.webhook_secret is None or not re.fullmatch(
                r"[A-Za-z0-9_-]{1,256}", self.webhook_secret.get_secret_value()
            ):
                raise ValueError(
                    "WEBHOOK_SECRET: required when MODE=webhook "
                    "(1-256 characters: letters, digits, _ and -)"
                )
        return self

    @property
    def webhook_path(self) -> str:
        return urlsplit(self.webhook_url or "").path or "/"


class ConfigError(Exception):
    """A setting is missing or malformed; the message names it, ready for the user."""


def describe(error: ValidationError) -> str:
    """One line per bad setting, named as the environment variable."""
    lines = []
    for item in error.errors():
        name = "_".join(str(part) for part in item["loc"]).upper()
        message = str(item["msg"]).removeprefix("Value error, ")
        if item["type"] == "missing":
            message = "is required but not set"
        lines.append(f"{name}: {message}" if name else message)
    return "\n".join(dict.fromkeys(lines))


S = TypeVar("S", bound=StorageSettings)


def load_settings(cls: type[S] = Settings, **overrides: object) -> S:  # type: ignore[assignment]
    try:
        return cls(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        raise ConfigError(describe(error)) from None
