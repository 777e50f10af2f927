"""Survey files in YAML: a bounded loader, then the validation (`validation.parse_data`).

`yes` and `no` stay words (YAML 1.2 booleans are only `true` and `false`), so
`options: [yes, no, planned]` means what it says.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import yaml

from bot.surveys.definition import Definition, DefinitionError, Problem
from bot.surveys.validation import parse_data, shown

log = logging.getLogger(__name__)

MAX_DEPTH = 12  # a survey file nests four levels; more is a mistake or an attack


class _Refused(yaml.YAMLError):
    """The file uses something a survey file never needs (see `_Loader`)."""

    def __init__(self, code: str, mark: Any) -> None:
        super().__init__(code)
        self.code = code
        self.problem_mark = mark


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans (only true/false, so `yes`/`no` stay strings),
    and bounded: anchors and aliases (the "billion laughs"), nesting deeper than
    MAX_DEPTH and a key given twice in one mapping are refused."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused("yaml_alias", event.start_mark)
        depth = getattr(self, "_depth", 0)
        if depth >= MAX_DEPTH:
            raise _Refused("yaml_deep", event.start_mark)
        self._depth = depth + 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth = depth

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, list | dict) or key in seen:
                raise _Refused("yaml_duplicate", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def parse_definition(source: str) -> Definition:
    """The survey in a YAML file; DefinitionError lists every problem found. Whatever the
    file holds, the answer is a Definition or a DefinitionError (bounded in time and memory:
    see `_Loader`)."""
    try:
        return _parse(source)
    except DefinitionError:
        raise
    except Exception:  # a file nobody foresaw: refused clearly, and logged to be looked at
        log.exception("survey file not understood")
        raise DefinitionError([Problem("file", "not_a_survey")]) from None


def _parse(source: str) -> Definition:
    try:
        data = yaml.load(source, Loader=_Loader)
    except _Refused as refused:
        place = f"line {refused.problem_mark.line + 1}"
        raise DefinitionError([Problem(place, refused.code)]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        place = f"line {mark.line + 1}" if mark is not None else "file"
        problem = getattr(error, "problem", None) or str(error)
        raise DefinitionError([Problem(place, "yaml", {"detail": shown(problem)})]) from None
    except (ValueError, OverflowError):  # a number of 5 000 digits, a date out of range
        raise DefinitionError([Problem("file", "value_unreadable")]) from None
    except (RecursionError, TypeError, MemoryError):
        raise DefinitionError([Problem("file", "not_a_survey")]) from None
    if not isinstance(data, dict):
        raise DefinitionError([Problem("file", "not_a_survey")])
    return parse_data(data)
