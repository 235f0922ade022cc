"""Bidi controls made visible: the shortcut for printable text held to the
substitution it skips."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from paperkg.shown import _BIDI_CONTROLS, show_bidi_controls

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
