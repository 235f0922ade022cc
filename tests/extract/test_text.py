"""Name matching helpers of paperkg.extract.text."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from paperkg.extract.text import whole_name, whole_name_starts

# letters of several scripts, digits and numerals, the characters that bound a
# name ("-", "_", spaces, punctuation) and a few that regular expressions treat
# specially, so that both sides of every boundary test are exercised
ALPHABET = st.sampled_from(list("aAbB1²_- .,+()[]*?\\|\n") + ["é", "Σ", "ß", "漢", "٣", "\u0301"])
NAMES = st.text(ALPHABET, min_size=1, max_size=4)


@st.composite
def texts_with(draw, names):
    """A name and a text that holds it a few times, between random characters, so
    that the characters on either side of each occurrence vary."""
    name = draw(names)
    pieces = draw(st.lists(st.one_of(st.just(name), st.text(ALPHABET, max_size=3)),
                           max_size=10))
    return name, "".join(pieces)


@settings(max_examples=400, deadline=None)
@given(texts_with(NAMES), st.integers(min_value=0, max_value=45))
@example(("LoRA", "QLoRA, LoRA-based, LoRA and LoRA."), 0)
@example(("a", "aa a-a _a a"), 0)
@example(("a+", "a+a a+ a+-"), 2)
def test_whole_name_starts_finds_what_the_pattern_finds(name_and_text, start):
    name, text = name_and_text
    expected = [m.start() for m in whole_name(name).finditer(text, start)]
    assert list(whole_name_starts(name, text, start)) == expected


def test_whole_name_starts_skips_names_inside_words_and_compounds():
    text = "QLoRA and LoRA-based models; LoRA_x; the LoRA. LoRA"
    # "LoRA" stands at 1, 10, 29, 41 and 47; only the last two are whole names
    assert list(whole_name_starts("LoRA", text)) == [41, 47]
    assert list(whole_name_starts("LoRA", text, 42)) == [47]
