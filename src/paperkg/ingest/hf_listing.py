"""Reader for text dumps of Hugging Face papers listing pages (``hf-listing``).

A dump is the page's text: some page chrome ("Get trending papers in your email
inbox!", "Subscribe", "byAK and the research community", a date such as "Mar 13"),
then for each paper a title line followed by its abstract line. Some dumps put a
blank line between lines, some do not, and "Subscribe" may be glued to the first
title ("SubscribeSteered Generation via ..."). Blank lines are therefore ignored
and each line is told apart by its shape:

- an **abstract** is prose: long (real ones run 480 to 1,920 characters), several
  sentences, ending with a full stop;
- a **title** is a short phrase: one "sentence" at most, no final full stop (it may
  end with "?" or "!").

What is expected next breaks the tie for short or odd lines: right after a title a
line is its abstract unless it clearly looks like a title (short, no final full
stop, one sentence); otherwise a line is a title unless it clearly looks like an
abstract. A title with no abstract after it and an abstract with no title before it
are skipped with that reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from paperkg.ingest.record import make_paper
from paperkg.ingest.source import Source
from paperkg.ingest.text import clean
from paperkg.records import Paper, Skip

#: page chrome lines, lowercased: not papers
CHROME = frozenset(
    {
        "new",
        "subscribe",
        "get trending papers in your email inbox!",
        "get trending papers in your email inbox once a day!",
        "byak and the research community",
    }
)
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
#: date lines ("Mar 13", "March 13, 2024", "13 Mar") and bare numbers (upvote counts)
_CHROME_PATTERN = re.compile(
    rf"(?:{_MONTH}\s+\d{{1,2}}(?:,?\s+\d{{4}})?|\d{{1,2}}\s+{_MONTH}(?:\s+\d{{4}})?|\d+)",
    re.IGNORECASE,
)
#: "Subscribe" glued to the title after it: right after other chrome (or at the top of
#: the file) anything but "Subscriber(s)", "Subscribed", "Subscribes"; elsewhere only
#: before a character that cannot continue a word
_GLUED_AFTER_CHROME = re.compile(r"^Subscribe(?!(?:rs?|d|s)\b)(?=\S)")
_GLUED = re.compile(r"^Subscribe(?=[^\sa-z])")
#: the end of a sentence: ., ! or ? (maybe closing a quote or bracket) before a capital or the end
_SENTENCE_END = re.compile(r"[.!?][\"')\]]?(?=\s+[\"'(\[]?[A-Z0-9]|\s*$)")

#: at or above this length a line is an abstract wherever it stands
ABSTRACT_MIN_CHARS = 300
#: at or above this length a line right after a title is taken as its abstract
TITLE_MAX_CHARS = 250


def is_chrome(line: str) -> bool:
    """Whether ``line`` (already cleaned) is page chrome rather than a paper."""
    return line.lower() in CHROME or _CHROME_PATTERN.fullmatch(line) is not None


def looks_like_abstract(line: str, after_title: bool = False) -> bool:
    """Whether ``line`` (already cleaned) is an abstract rather than a title.

    ``after_title`` says a title came just before, where an abstract is expected.

    >>> looks_like_abstract("LoRA: Low-Rank Adaptation of Large Language Models")
    False
    >>> looks_like_abstract("We propose LoRA. It freezes the weights and trains adapters.")
    False
    >>> looks_like_abstract("We propose LoRA. It freezes the weights.", after_title=True)
    True
    """
    if len(line) >= ABSTRACT_MIN_CHARS:
        return True
    sentences = len(_SENTENCE_END.findall(line))
    final_stop = line.endswith(".")
    if after_title:
        return final_stop or sentences >= 2 or len(line) >= TITLE_MAX_CHARS
    words = len(line.split())
    return (final_stop and words >= 12) or (sentences >= 2 and words >= 20)


def read(source: Source) -> Iterator[Paper | Skip]:
    """Yield the papers of one listing dump, and a skip for every unpaired line."""
    title: tuple[int, str] | None = None
    for number, line in _content_lines(source):
        if line is None:
            yield source.skip(number, "line too long")
        elif looks_like_abstract(line, after_title=title is not None):
            if title is None:
                yield source.skip(number, "abstract without a title")
            else:
                yield make_paper(source, title[0], title=title[1], abstract=line)
                title = None
        else:
            if title is not None:
                yield source.skip(title[0], "title without an abstract")
            title = (number, line)
    if title is not None:
        yield source.skip(title[0], "title without an abstract")


def _content_lines(source: Source) -> Iterator[tuple[int, str | None]]:
    """The cleaned lines that are not blank and not chrome, "Subscribe" unglued."""
    after_chrome = True
    for number, raw in source.lines():
        line = clean(raw) if raw is not None else None
        if line == "":
            continue
        if line is not None:
            unglued = (_GLUED_AFTER_CHROME if after_chrome else _GLUED).sub("", line).strip()
            after_chrome = is_chrome(line) or is_chrome(unglued)
            if after_chrome:
                continue
            line = unglued
        yield number, line
