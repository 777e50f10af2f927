"""What people type, made safe to keep: control characters (NUL and the like) removed."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def without_controls(text: str) -> str:
    """The text without invisible control characters (line breaks and tabs stay)."""
    return _CONTROL.sub("", text)
