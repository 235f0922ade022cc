"""The gazetteer's token tests read character offsets kept on the document's state;
held here to the spaCy token attributes they replaced, on texts made of the pieces
they look at."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paperkg.extract.candidates import state
from paperkg.extract.gazetteer import SIZE, VARIANT_WORDS, _checkpoint, _glued_on_the_left

_PIECES = ["-", "\u2010", "\u2013", "--", " ", "  ", "\n", "a", "Z", "Ω", "(", ")", "7", "7B",
           "X", "LoRA", "base", "Instruct", "chat", ".", "Llama", "2"]


def _old_glued_on_the_left(doc, start):
    if start < 2:
        return False
    hyphen, head = doc[start - 1], doc[start - 2]
    return hyphen.text in ("-", "\u2010", "\u2011", "\u2013") and not hyphen.whitespace_ \
        and not head.whitespace_ and head.text[-1:].isalnum()


def _old_checkpoint(doc, span):
    end = span.end
    while end < len(doc):
        token = doc[end]
        glued = not doc[end - 1].whitespace_
        if token.text == "-" and glued and end + 1 < len(doc) and not token.whitespace_:
            nxt = doc[end + 1]
            if SIZE.match(nxt.text) or nxt.lower_ in VARIANT_WORDS:
                end += 2
                continue
            break
        if SIZE.match(token.text) and (glued or end == span.end):
            end += 1
            continue
        break
    return doc[span.start : end] if end > span.end else None


@pytest.fixture(scope="module")
def nlp():
    from paperkg.extract.pipeline import make_nlp

    return make_nlp(components=False)


@pytest.fixture(scope="module")
def pipeline(nlp):
    from paperkg.extract.sentences import sentences

    return lambda text: sentences(nlp.make_doc(text))


@settings(max_examples=300, deadline=None)
@given(text=st.lists(st.sampled_from(_PIECES), min_size=1, max_size=20).map("".join))
def test_the_offsets_tell_what_the_tokens_told(pipeline, text):
    doc = pipeline(text)
    current = state(doc)
    for start in range(len(doc)):
        assert _glued_on_the_left(current, start) == _old_glued_on_the_left(doc, start)
        for end in range(start + 1, len(doc) + 1):
            old = _old_checkpoint(doc, doc[start:end])
            assert _checkpoint(doc, start, end) == (old.end if old is not None else None)
            assert (current.token_starts[start], current.token_ends[end - 1]) == \
                (doc[start:end].start_char, doc[start:end].end_char)


@settings(max_examples=300, deadline=None)
@given(tokens=st.lists(st.tuples(st.sampled_from([p for p in _PIECES if p.strip()]),
                                 st.booleans()), min_size=1, max_size=12))
def test_the_offsets_tell_what_the_tokens_told_for_any_tokenization(nlp, tokens):
    # documents made token by token, with or without a space after each: cases the
    # tokenizer does not make ("a -X" split after the space)
    from spacy.tokens import Doc

    from paperkg.extract.sentences import sentences

    words, spaces = zip(*tokens, strict=True)
    doc = sentences(Doc(nlp.vocab, words=list(words), spaces=list(spaces)))
    current = state(doc)
    for start in range(len(doc)):
        assert _glued_on_the_left(current, start) == _old_glued_on_the_left(doc, start)


@settings(max_examples=500, deadline=None)
@given(text=st.lists(st.sampled_from(["attention", "Attention", "ttention", "ATTENTION", "a",
                                      "_", "-", " ", "é", "s", "1", ".", "\n"]),
                     max_size=12).map("".join))
def test_attention_is_found_where_the_word_boundary_expression_finds_it(text):
    import re

    from paperkg.extract.gazetteer import attention_starts

    old = [m.start() for m in re.finditer(r"\b[Aa]ttention\b", text)]
    assert list(attention_starts(text)) == old
