"""Telegram's HTML parse mode, as the fake checks it (modelled on tdlib's parser: the same
tags, the same error texts), and Telegram's way of counting text (UTF-16 code units)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the way Telegram counts offsets and limits."""
    return len(text.encode("utf-16-le")) // 2


_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_ENTITY_RE = re.compile(r"&(?:#(\d{1,8})|#[xX]([0-9a-fA-F]{1,7})|(lt|gt|amp|quot));")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPECIAL_RE = re.compile(r"[&<]")


class HtmlParseError(ValueError):
    """Telegram would answer 400 "Bad Request: can't parse entities: <message>"."""


@dataclass
class _OpenTag:
    name: str
    offset: int
    attrs: dict[str, str]


def _decode_entity(text: str, i: int) -> tuple[str, int] | None:
    """Decode the HTML entity starting at ``text[i] == "&"``: (character, end index)."""
    m = _ENTITY_RE.match(text, i)
    if m is None:
        return None
    if m.group(3):
        return _NAMED_ENTITIES[m.group(3)], m.end()
    code = int(m.group(1)) if m.group(1) else int(m.group(2), 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), m.end()


def _unescape_attr(value: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(value):
        dec = _decode_entity(value, i) if value[i] == "&" else None
        if dec is None:
            out.append(value[i])
            i += 1
        else:
            out.append(dec[0])
            i = dec[1]
    return "".join(out)


def parse_html(text: str, *, strict_ampersand: bool = True) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram HTML into (plain text, entities with UTF-16 offsets).

    Raises :class:`HtmlParseError` with tdlib's wording for unsupported tags, unclosed or
    mismatched tags. Real Telegram keeps a bare ``&`` literally; with ``strict_ampersand``
    (the fake's default) it is an error too, which catches a missing ``html.escape``.
    """
    out: list[str] = []
    pos = 0  # UTF-16 length of ``out``
    stack: list[_OpenTag] = []
    entities: list[dict[str, Any]] = []
    n = len(text)
    i = 0

    def byte_offset(index: int) -> int:
        return len(text[:index].encode("utf-8"))

    while i < n:
        m = _SPECIAL_RE.search(text, i)
        j = m.start() if m else n
        if j > i:
            chunk = text[i:j]
            out.append(chunk)
            pos += utf16_len(chunk)
            i = j
            continue
        if text[i] == "&":
            dec = _decode_entity(text, i)
            if dec is None:
                if strict_ampersand:
                    raise HtmlParseError(
                        f'Unescaped "&" at byte offset {byte_offset(i)} '
                        "(FakeTelegram is strict here: use &amp;)"
                    )
                dec = ("&", i + 1)
            out.append(dec[0])
            pos += utf16_len(dec[0])
            i = dec[1]
            continue
        begin = i
        i += 1
        if i < n and text[i] == "/":
            j = i + 1
            while j < n and not text[j].isspace() and text[j] != ">":
                j += 1
            end_name = text[i + 1 : j].lower()
            if not stack:
                raise HtmlParseError(f"Unexpected end tag at byte offset {byte_offset(begin)}")
            while j < n and text[j].isspace():
                j += 1
            if j >= n or text[j] != ">":
                raise HtmlParseError(f"Unclosed end tag at byte offset {byte_offset(begin)}")
            top = stack.pop()
            if end_name and end_name != top.name:
                raise HtmlParseError(
                    f"Unmatched end tag at byte offset {byte_offset(begin)}, "
                    f'expected "</{top.name}>", found "</{end_name}>"'
                )
            _close_entity(top, pos, stack, entities)
            i = j + 1
            continue
        j = i
        while j < n and not text[j].isspace() and text[j] != ">":
            j += 1
        if j >= n:
            raise HtmlParseError(f"Unclosed start tag at byte offset {byte_offset(begin)}")
        tag = text[i:j].lower()
        if tag not in _HTML_TAGS:
            raise HtmlParseError(
                f'Unsupported start tag "{tag}" at byte offset {byte_offset(begin)}'
            )
        attrs: dict[str, str] = {}
        while True:
            while j < n and text[j].isspace():
                j += 1
            if j >= n:
                raise HtmlParseError(f"Unclosed start tag at byte offset {byte_offset(begin)}")
            if text[j] == ">":
                break
            k = j
            while k < n and not text[k].isspace() and text[k] not in "=>":
                k += 1
            attr = text[j:k].lower()
            if not attr:
                raise HtmlParseError(
                    f'Empty attribute name in the tag "{tag}" at byte offset {byte_offset(begin)}'
                )
            j = k
            while j < n and text[j].isspace():
                j += 1
            if j < n and text[j] == "=":
                j += 1
                while j < n and text[j].isspace():
                    j += 1
                if j >= n:
                    raise HtmlParseError(f"Unclosed start tag at byte offset {byte_offset(begin)}")
                if text[j] in "\"'":
                    close = text.find(text[j], j + 1)
                    if close < 0:
                        raise HtmlParseError(
                            f"Unclosed start tag at byte offset {byte_offset(begin)}"
                        )
                    raw_value = text[j + 1 : close]
                    j = close + 1
                else:
                    k = j
                    while k < n and not text[k].isspace() and text[k] != ">":
                        k += 1
                    raw_value = text[j:k]
                    j = k
                attrs[attr] = _unescape_attr(raw_value)
            else:
                attrs[attr] = ""
        if tag == "span" and attrs.get("class") != "tg-spoiler":
            raise HtmlParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset(begin)}'
            )
        stack.append(_OpenTag(tag, pos, attrs))
        i = j + 1
    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _close_entity(
    top: _OpenTag, pos: int, stack: list[_OpenTag], entities: list[dict[str, Any]]
) -> None:
    """Turn a closed tag into a MessageEntity (empty ones are dropped like Telegram does)."""
    length = pos - top.offset
    if top.name == "code" and stack and stack[-1].name == "pre":
        language = top.attrs.get("class", "")
        if language.startswith("language-"):
            stack[-1].attrs["language"] = language.removeprefix("language-")
            return
    if length <= 0:
        return
    entity: dict[str, Any] = {"type": _HTML_TAGS[top.name], "offset": top.offset, "length": length}
    if top.name == "a":
        href = top.attrs.get("href")
        if not href:
            return
        entity["url"] = href
    elif top.name == "pre" and top.attrs.get("language"):
        entity["language"] = top.attrs["language"]
    elif top.name == "blockquote" and "expandable" in top.attrs:
        entity["type"] = "expandable_blockquote"
    elif top.name == "tg-emoji":
        entity["custom_emoji_id"] = top.attrs.get("emoji-id", "")
    entities.append(entity)
