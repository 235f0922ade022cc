"""Input format names, and telling a file's format from its extension and first bytes."""

from __future__ import annotations

import difflib
from pathlib import Path

from paperkg.errors import InputError

#: the readable formats, as ``--format`` spells them
FORMATS = ("hf-listing", "jsonl", "hf-api", "atom", "csv")
#: every valid ``--format`` value
FORMAT_CHOICES = ("auto", *FORMATS)

#: extensions that name a format outright (``.json`` is decided by content)
EXTENSIONS = {
    ".txt": "hf-listing",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".jsonlines": "jsonl",
    ".xml": "atom",
    ".atom": "atom",
    ".csv": "csv",
}
#: text that marks a Hugging Face listing dump when the extension does not say
_LISTING_MARKS = (b"Get trending papers in your email inbox", b"byAK and the research community")


def check_format(name: str) -> str:
    """Return the canonical format name for ``name``, or raise :class:`InputError`.

    >>> check_format("JSONL")
    'jsonl'
    >>> check_format("jsnol")
    Traceback (most recent call last):
    ...
    paperkg.errors.InputError: unknown input format 'jsnol' (did you mean 'jsonl'?); \
valid formats: auto, hf-listing, jsonl, hf-api, atom, csv
    """
    canonical = name.strip().lower().replace("_", "-")
    if canonical in FORMAT_CHOICES:
        return canonical
    close = difflib.get_close_matches(canonical, FORMAT_CHOICES, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise InputError(
        f"unknown input format {name!r}{hint}; valid formats: {', '.join(FORMAT_CHOICES)}"
    )


def detect_format(path: Path, head: bytes) -> str | None:
    """The format of the file at ``path`` whose first bytes are ``head``, or None.

    The extension decides when it names a format (a ``.txt`` file inside a folder
    must also show a listing page's chrome; see :func:`is_listing`); otherwise
    (``.json``, no or an unknown extension) the content does: ``<feed`` is Atom,
    ``[`` the daily-papers API, ``{`` JSON Lines, a header with ``title`` and
    ``abstract`` CSV, and the listing page's chrome a listing dump.
    """
    by_extension = EXTENSIONS.get(path.suffix.lower())
    return by_extension or sniff(head)


def sniff(head: bytes) -> str | None:
    """The format the first bytes of a file look like, or None."""
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"<"):
        return "atom" if b"<feed" in text or b"http://www.w3.org/2005/Atom" in text else None
    if text.startswith(b"["):
        return "hf-api"
    if text.startswith(b"{"):
        # JSON Lines has a whole object on its first line; a lone "{" is pretty-printed JSON
        return None if text.split(b"\n", 1)[0].strip() == b"{" else "jsonl"
    first_line = text.split(b"\n", 1)[0].lower()
    if b"title" in first_line and b"abstract" in first_line and _has_delimiter(first_line):
        return "csv"
    if any(mark in text for mark in _LISTING_MARKS):
        return "hf-listing"
    return None


def is_listing(head: bytes) -> bool:
    """Do the first bytes show the chrome of a saved Hugging Face listing page?"""
    return any(mark in head for mark in _LISTING_MARKS)


def _has_delimiter(line: bytes) -> bool:
    return any(delimiter in line for delimiter in (b",", b";", b"\t", b"|"))
