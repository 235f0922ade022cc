"""Cleaning the text of a record's fields: one function every reader uses."""

from __future__ import annotations

import re

#: C0 and C1 control characters that ``str.split`` does not treat as whitespace
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")
#: lone UTF-16 surrogates (JSON ``"\ud800"`` escapes) cannot be encoded as UTF-8 later
_SURROGATE = re.compile(r"[\ud800-\udfff]")
#: either of the two: most texts have none, and one search costs less than two passes
_EITHER = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff]")


def clean(text: str) -> str:
    """Return ``text`` with control characters removed and whitespace collapsed.

    Markup is kept as written (escaping is the exporters' job); lone surrogates
    become U+FFFD so that every later stage can encode the text as UTF-8.

    >>> clean("  Attention\\n  Is All\\tYou Need\\x00 ")
    'Attention Is All You Need'
    >>> clean("a\\ud800b\\x85c")  # U+0085 is white space to str.split
    'a\\ufffdb c'
    """
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        # most texts: no control character, surrogate or white space but single
        # spaces inside (white space other than " " is not printable), so nothing
        # to do; two C-level scans, against a search and a split and join
        return text
    if _EITHER.search(text) is not None:
        text = _SURROGATE.sub("\ufffd", _CONTROL.sub("", text))
    return " ".join(text.split())
