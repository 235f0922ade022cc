"""Bidi controls made visible: the shortcut for printable text held to the
substitution it skips."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from paperkg.shown import (
    _BIDI_CONTROLS,
    holds_bidi_controls,
    show_bidi_controls,
    show_bidi_controls_in,
)
from paperkg.view.graph_html import json_script

# every bidi control, and what is not printable without being one (a tab, a
# newline, a no-break space, a zero-width joiner, a soft hyphen, a surrogate)
_PIECES = ("a", "模", " ", "\t", "\n", "\u00a0", "\u200d", "\u00ad", "\ud800",
           "\u061c", "\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
           "\u2066", "\u2067", "\u2068", "\u2069")


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=20).map("".join))
def test_the_shown_text_is_what_the_substitution_gives(text):
    assert show_bidi_controls(text) == \
        _BIDI_CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


_TEXT = st.lists(st.sampled_from(_PIECES), max_size=6).map("".join)
#: JSON-like data: nested lists and dicts of those texts and numbers
_DATA = st.recursive(
    _TEXT | st.integers(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=12)


@settings(max_examples=400, deadline=None)
@given(_DATA)
def test_data_holds_bidi_controls_where_showing_them_changes_it(data):
    assert holds_bidi_controls(data) == (show_bidi_controls_in(data) != data)


@settings(max_examples=400, deadline=None)
@given(_DATA)
def test_an_inlined_blob_shows_bidi_controls_as_walking_the_data_does(data):
    # keys sort as shown: the walk first, then the text
    text = json.dumps(show_bidi_controls_in(data), ensure_ascii=False, sort_keys=True,
                      separators=(",", ":"))
    for char, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e")):
        text = text.replace(char, escaped)
    assert json_script(data, "d") == f'<script type="application/json" id="d">{text}</script>'
