"""Text as paperkg's pages show it: bidi control characters made visible.

A name holding a right-to-left override ("Safe\u202eLMgnirts") would reverse the
text drawn around it, so that the page reads something the data does not say.
The HTML views (``graph.html``, the lineage pages) and the lineage text write
those characters as escapes instead.
"""

from __future__ import annotations

import json
import re

#: Unicode bidi controls: the Arabic letter mark, LRM/RLM, embeddings, overrides
#: and isolates
_BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def show_bidi_controls(text: str) -> str:
    r"""``text`` with its bidi control characters written as visible escapes.

    >>> show_bidi_controls("\u202eRTLNet")
    '\\u202eRTLNet'
    """
    if text.isprintable():  # a bidi control is a format character: not printable
        return text
    return _BIDI_CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def show_bidi_controls_in(data: object) -> object:
    """``data`` (JSON-like: dicts, lists, strings, numbers) with :func:`show_bidi_controls`
    applied to every string, keys included, so that ids stay consistent.

    >>> show_bidi_controls_in({"a\u202e": ["x\u2066", 3]})
    {'a\\\\u202e': ['x\\\\u2066', 3]}
    """
    if isinstance(data, str):
        return show_bidi_controls(data)
    if isinstance(data, dict):
        return {show_bidi_controls_in(k): show_bidi_controls_in(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [show_bidi_controls_in(item) for item in data]
    return data


def holds_bidi_controls(data: object) -> bool:
    """True when a string in ``data`` (JSON-like) holds a bidi control character.

    Found in the data's JSON text, written by the standard library's C encoder:
    much quicker than walking a view's thousands of nested dicts and lists in Python.

    >>> holds_bidi_controls({"a": ["x", ("y\u2066",)]}), holds_bidi_controls({"a": ["x", 3]})
    (True, False)
    """
    return has_bidi_controls(json.dumps(data, ensure_ascii=False))


def has_bidi_controls(text: str) -> bool:
    """True when ``text`` holds a bidi control character."""
    return _BIDI_CONTROLS.search(text) is not None
