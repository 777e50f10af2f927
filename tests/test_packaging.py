"""The wheel carries every package and data file (a plain `pip install .` must run)."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_every_package_is_in_the_wheel() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    patterns = config["packages"]["find"]["include"]
    for top in ("bot", "handlers", "storage", "locales"):
        for init in (ROOT / top).rglob("__init__.py"):
            package = ".".join(init.parent.relative_to(ROOT).parts)
            assert any(fnmatch.fnmatch(package, p) for p in patterns), package


def test_every_data_file_is_in_the_wheel() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    globs = config["package-data"]
    for package, patterns in globs.items():
        shipped = {p for pattern in patterns for p in (ROOT / package).glob(pattern)}
        data = {p for p in (ROOT / package).rglob("*") if p.suffix in {".yaml", ".sql"}}
        assert data <= shipped, sorted(map(str, data - shipped))
