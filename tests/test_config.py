"""Configuration errors: one clear line naming the setting, exit code 2, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import ConfigError, Settings, load_settings
from tests.support import TOKEN


def run_cli(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    base = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.process
@pytest.mark.parametrize(
    ("env", "setting"),
    [
        ({}, "BOT_TOKEN"),
        ({"BOT_TOKEN": "not-a-token"}, "BOT_TOKEN"),
        ({"BOT_TOKEN": TOKEN, "ADMIN_IDS": "12,abc"}, "ADMIN_IDS"),
        ({"BOT_TOKEN": TOKEN, "MODE": "carrier-pigeon"}, "MODE"),
        (
            {"BOT_TOKEN": TOKEN, "MODE": "webhook", "WEBHOOK_URL": "https://x.example/hook"},
            "WEBHOOK_SECRET",
        ),
        ({"BOT_TOKEN": TOKEN, "TIMEZONE": "Mars/Olympus"}, "TIMEZONE"),
        ({"BOT_TOKEN": TOKEN, "EVENT_REMINDERS": "24 hours"}, "EVENT_REMINDERS"),
    ],
)
def test_bad_setting_is_named_on_one_line(
    tmp_path: Path, env: dict[str, str], setting: str
) -> None:
    result = run_cli(tmp_path, env, "run")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"configuration error: {setting}:")
    assert "Traceback" not in result.stderr
    assert TOKEN not in result.stderr + result.stdout


@pytest.mark.process
def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("BOT_TOKEN=broken\n", encoding="utf-8")
    result = run_cli(tmp_path, {}, "run")
    assert result.returncode == 2
    assert "BOT_TOKEN: does not look like a bot token" in result.stderr


def test_token_is_never_in_a_repr(tmp_path: Path) -> None:
    settings = load_settings(Settings, _env_file=None, bot_token=TOKEN, admin_ids="1, 2")
    assert TOKEN not in repr(settings)
    assert TOKEN not in str(settings.model_dump())
    assert settings.admin_ids == frozenset({1, 2})


def test_defaults_follow_the_spec() -> None:
    settings = load_settings(Settings, _env_file=None, bot_token=TOKEN)
    assert settings.mode == "polling"
    assert settings.timezone == "Europe/Moscow"
    assert settings.default_locale == "ru"
    assert settings.broadcast_rate == 25
    assert [td.total_seconds() / 3600 for td in settings.event_reminders] == [24, 1]
    assert [td.days for td in settings.survey_reminders] == [3, 1]
    assert str(settings.database_path) == "data/bot.sqlite3"


def test_reminder_offsets_are_parsed() -> None:
    settings = load_settings(
        Settings, _env_file=None, bot_token=TOKEN, event_reminders="1h, 3d,30m"
    )
    assert [td.total_seconds() for td in settings.event_reminders] == [259200, 3600, 1800]


def test_webhook_mode_needs_a_web_url() -> None:
    with pytest.raises(ConfigError, match="WEBHOOK_URL"):
        load_settings(
            Settings,
            _env_file=None,
            bot_token=TOKEN,
            mode="webhook",
            webhook_url="ftp://plain.example/hook",
            webhook_secret="s3cret",
        )
