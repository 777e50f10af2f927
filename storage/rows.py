"""Query rows onto the repositories' dataclasses.

A mapper names only the fields that need a conversion or come from a column of another
name; every other field is read from the column of its own name.
"""

from __future__ import annotations

import sqlite3
from dataclasses import fields
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

D = TypeVar("D", bound="DataclassInstance")


@cache
def _names(cls: type[DataclassInstance]) -> tuple[str, ...]:
    return tuple(field.name for field in fields(cls))


def from_row(cls: type[D], row: sqlite3.Row, **values: Any) -> D:
    """`cls` from `row`: `values` as given, the other fields from the columns of their
    names (a field with a default may have no column)."""
    columns = row.keys()
    for name in _names(cls):
        if name not in values and name in columns:
            values[name] = row[name]
    return cls(**values)
