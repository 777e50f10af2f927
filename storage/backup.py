"""Backups into a folder: a whole online copy at a time, the newest `keep` kept."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from storage.db import Database

_NAME = re.compile(r"^backup-\d{8}-\d{6}\.sqlite3$")


@dataclass(eq=False)
class BackupFolder:
    db: Database
    folder: Path
    keep: int

    async def make(self, now: datetime) -> Path:
        """A copy named by its UTC time (`backup-20261124-010000.sqlite3`); then the oldest
        beyond `keep` are deleted. Only files named like that are ever touched."""
        target = self.folder / f"backup-{now.astimezone(UTC):%Y%m%d-%H%M%S}.sqlite3"
        await self.db.backup(target)
        self.rotate()
        return target

    def existing(self) -> list[Path]:
        """Backups in the folder, oldest first."""
        if not self.folder.is_dir():
            return []
        return sorted(p for p in self.folder.iterdir() if _NAME.match(p.name) and p.is_file())

    def rotate(self) -> list[Path]:
        """Delete the oldest backups beyond `keep`; returns those deleted."""
        found = self.existing()
        old = found[: max(0, len(found) - self.keep)]
        for path in old:
            path.unlink(missing_ok=True)
        return old
