"""Logging set-up; the bot token is masked in every record, whoever logs it."""

from __future__ import annotations

import logging
import sys
import threading
from typing import Any
from urllib.parse import quote


class Redact(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(secret in message for secret in self.secrets):
            for secret in self.secrets:
                message = message.replace(secret, "***")
            record.msg, record.args = message, None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            if any(secret in text for secret in self.secrets):
                for secret in self.secrets:
                    text = text.replace(secret, "***")
                record.exc_info, record.exc_text = None, text
        return True


def secret_forms(secret: str) -> list[str]:
    """A secret as it may appear in a message: as is, or percent-encoded in a URL."""
    return list(dict.fromkeys([secret, quote(secret, safe=""), quote(secret)])) if secret else []


def setup_logging(level: str, secrets: list[str]) -> None:
    """Everything the process prints goes through here (uncaught errors too), the
    secrets masked in every form."""
    secrets = [form for secret in secrets for form in secret_forms(secret)]
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(Redact(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # aiogram logs every handled update at INFO; that is debugging detail here.
    logging.getLogger("aiogram.event").setLevel("DEBUG" if level == "DEBUG" else "WARNING")

    def uncaught(kind: type[BaseException], error: BaseException, trace: Any) -> None:
        logging.getLogger("bot").critical("uncaught error", exc_info=(kind, error, trace))

    sys.excepthook = uncaught
    threading.excepthook = lambda hook: uncaught(
        hook.exc_type, hook.exc_value or hook.exc_type(), hook.exc_traceback
    )


def masked(text: str, secrets: list[str]) -> str:
    """`text` with every form of each secret replaced by ***."""
    for secret in secrets:
        for form in secret_forms(secret):
            text = text.replace(form, "***")
    return text
