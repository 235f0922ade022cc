"""Parsing the optional fields records spell in many ways: authors, categories, dates."""

from __future__ import annotations

import re
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from paperkg.ingest.text import clean

_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_PARENTHESISED = re.compile(r"\([^()]*\)")
_AND = re.compile(r"\s+and\s+|\s*&\s*")
_CATEGORY_SEP = re.compile(r"[\s,;]+")
#: at most this many authors or categories per paper (a guard against hostile input)
MAX_ITEMS = 1000


def parse_authors(value: Any) -> tuple[str, ...]:
    """Author names from a list of strings, a list of ``{"name": ...}``, arXiv's
    ``authors_parsed`` (``[[last, first, suffix], ...]``) or a string "A, B and C".

    >>> parse_authors("Ada Lovelace, Alan Turing and Grace Hopper")
    ('Ada Lovelace', 'Alan Turing', 'Grace Hopper')
    >>> parse_authors([{"name": "Ada Lovelace"}, ["Turing", "Alan", ""]])
    ('Ada Lovelace', 'Alan Turing')
    """
    if isinstance(value, str):
        names = _split_author_string(value)
    elif isinstance(value, list):
        names = [_author_name(item) for item in value[:MAX_ITEMS]]
    else:
        names = []
    return tuple(name for name in names if name)


def _author_name(item: Any) -> str:
    if isinstance(item, str):
        return clean(item)
    if isinstance(item, dict):
        name = item.get("name")
        return clean(name) if isinstance(name, str) else ""
    if isinstance(item, list) and all(isinstance(part, str) for part in item):
        last, first, *suffix = [*item, "", ""][:3]
        return clean(" ".join([first, last, *suffix]))
    return ""


def _split_author_string(text: str) -> list[str]:
    text = clean(text)
    # drop affiliations "(MIT)", innermost first so "((1) MIT, (2) CMU)" goes too
    for _ in range(5):
        text, count = _PARENTHESISED.subn("", text)
        if not count:
            break
    separator = ";" if ";" in text else ","
    names: list[str] = []
    for part in text.split(separator):
        names.extend(clean(name) for name in _AND.split(part))
    return [name for name in names if name and name.lower() not in {"et al", "et al."}][:MAX_ITEMS]


def parse_categories(value: Any) -> tuple[str, ...]:
    """Categories from a list or a space- (or comma-) separated string.

    >>> parse_categories("cs.CL cs.LG")
    ('cs.CL', 'cs.LG')
    """
    if isinstance(value, str):
        items = _CATEGORY_SEP.split(clean(value))
    elif isinstance(value, list):
        items = [clean(item) for item in value if isinstance(item, str)]
    else:
        items = []
    return tuple(dict.fromkeys(item for item in items if item))[:MAX_ITEMS]


def parse_date(value: Any) -> str | None:
    """An ISO date ``YYYY-MM-DD`` when ``value`` holds one, else its own text.

    >>> parse_date("2024-03-13T17:59:58.000Z")
    '2024-03-13'
    >>> parse_date("Wed, 13 Mar 2024 17:59:58 GMT")
    '2024-03-13'
    >>> parse_date("spring 2024")
    'spring 2024'
    """
    if not isinstance(value, str):
        return None
    text = clean(value)
    if not text:
        return None
    match = _ISO_DATE.match(text)
    if match:
        try:
            return date(*map(int, match.groups())).isoformat()
        except ValueError:
            return text
    return _rfc2822_date(text) or text


def _rfc2822_date(text: str) -> str | None:
    try:
        parsed: datetime = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return parsed.date().isoformat()
