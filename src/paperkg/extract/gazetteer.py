"""Known entities of the field, matched with spaCy's PhraseMatcher.

Names that read as ordinary words when lower-cased ("ARC", "DROP", "Alpaca",
"Whisper") match only with their own capitalisation; coined names ("LLaMA",
"GPT-4") and technique terms ("knowledge distillation") match in any case and
in their hyphen and spacing variants ("GPT-4", "GPT4", "GPT 4").
"""

from __future__ import annotations

import itertools
import re
import threading
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

from spacy.attrs import IDX, LOWER, ORTH
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc

from paperkg.extract.candidates import Candidate, DocState, state
from paperkg.extract.hashcache import cached_token_hashes
from paperkg.extract.resources import KnownEntity, Resources, load_resources
from paperkg.extract.text import name_key
from paperkg.extract.tokenizer import pattern_tokenizer
from paperkg.records import EntityType

#: words that make a bare "attention" the mechanism
ATTENTION_BEFORE = {"conventional", "standard", "vanilla", "full", "dense", "softmax", "causal",
                    "global", "local", "quadratic", "original", "bidirectional", "masked"}
ATTENTION_AFTER = {"layer", "layers", "head", "heads", "module", "modules", "scores", "weights",
                   "map", "maps", "matrix", "matrices", "computation", "kernel", "kernels",
                   "operation", "operations", "block", "blocks", "pattern", "patterns",
                   "algorithm", "algorithms", "variant", "variants"}
#: "attention" as a word is found by its tail, a literal the expression engine skips
#: to (an expression that starts with a word boundary is tried at every position,
#: ten times slower); its first letter and the boundary before it are checked after
_ATTENTION_TAIL = re.compile(r"ttention\b")
SIZE = re.compile(r"^\d+(\.\d+)?[BMKT]$|^\d+x\d+(\.\d+)?[BM]$", re.IGNORECASE)
VARIANT_WORDS = {"instruct", "chat", "base", "it", "hf", "turbo", "sft", "dpo", "rlhf", "preview"}


def surface_variants(surface: str) -> set[str]:
    """Hyphen and spacing variants under which a name is written.

    >>> sorted(surface_variants("GPT-4"))
    ['GPT 4', 'GPT-4', 'GPT4']
    >>> sorted(surface_variants("mixture of experts"))
    ['mixture of experts', 'mixture of-experts', 'mixture-of experts', 'mixture-of-experts']
    >>> "next-sentence prediction" in surface_variants("next sentence prediction")
    True
    """
    variants = {surface, surface.replace("-", " ")}
    if " " in surface and len(surface.split()) <= 4:
        variants.add(surface.replace(" ", "-"))
    words = surface.replace("-", " ").split()
    if surface.islower() and 2 < len(words) <= 4:
        # a lower-case term hyphenated in part: "next-sentence prediction"
        for joins in itertools.product((" ", "-"), repeat=len(words) - 1):
            variants.add(words[0] + "".join(j + w for j, w in zip(joins, words[1:])))
    if re.search(r"[A-Za-z]-\d|\d-[A-Za-z]", surface):
        variants.add(re.sub(r"(?<=[A-Za-z])-(?=\d)|(?<=\d)-(?=[A-Za-z])", "", surface))
    return {v for v in variants if v.strip()}


def case_sensitive(surface: str) -> bool:
    """Must ``surface`` keep its capitalisation to count as the name?

    A single alphabetic word that is not all lower case does: lower-cased, "ARC",
    "QuALITY", "BiT" or "Whisper" are ordinary words. Such names match as written
    or in capitals only; names with digits, hyphens or spaces match in any case.

    >>> [case_sensitive(s) for s in ["ARC", "Alpaca", "QuALITY", "GPT-4", "pruning"]]
    [True, True, True, False, False]
    """
    return surface.isalpha() and not surface.islower()


def exact_forms(surface: str) -> set[str]:
    """The spellings a case-sensitive name matches: as written and in capitals."""
    return {surface, surface.upper()}


class Patterns(NamedTuple):
    """The curated names as match patterns, made once per process and resources
    (:func:`patterns_of`)."""

    #: match id (the name key of the curated name) -> its entity
    known: dict[str, KnownEntity]
    #: the names that match in any case, and those that keep their capitals
    any_case: PhraseMatcher
    exact_case: PhraseMatcher


#: resources -> their patterns, keyed by ``id`` with the resources kept alive (so
#: the id is not reused), the most recently used last. The bundled names' patterns
#: take about 40 MB, so only the last two sets are kept: a process rarely uses more
#: (a build or an evaluation uses one; the tests a few, one after the other).
_PATTERNS: dict[int, tuple[Resources, Patterns]] = {}
_PATTERNS_KEPT = 2
_PATTERNS_LOCK = threading.Lock()


def patterns_of(resources: Resources) -> Patterns:
    """The match patterns of ``resources``' names, made at the first call in this
    process (tokenizing 17,000 name variants is most of making a pipeline); every
    pipeline of the process then shares them. A matcher only reads them, and it
    compares attribute hashes, so it matches any vocabulary's documents.

    They are made outside the lock (two threads asking at once may both make
    them; one set is kept), so a fork never copies a lock held for a second.
    """
    key = id(resources)
    with _PATTERNS_LOCK:
        found = _PATTERNS.pop(key, None)
        if found is not None:
            _PATTERNS[key] = found  # now the most recently used
            return found[1]
    made = (resources, _make_patterns(resources))
    with _PATTERNS_LOCK:
        found = _PATTERNS.setdefault(key, made)
        while len(_PATTERNS) > _PATTERNS_KEPT:
            del _PATTERNS[next(iter(_PATTERNS))]
    return found[1]


def _make_patterns(resources: Resources) -> Patterns:
    known: dict[str, KnownEntity] = {}
    exact: dict[str, list[str]] = {}
    loose: dict[str, list[str]] = {}
    for entity in resources.entities:
        match_id = name_key(entity.name)
        known[match_id] = entity
        for surface in entity.names:
            if case_sensitive(surface):
                forms, target = exact_forms(surface), exact
            else:
                forms, target = surface_variants(surface), loose
            target.setdefault(match_id, []).extend(sorted(forms))
    tokenizer = pattern_tokenizer()
    tokens = cached_token_hashes(tokenizer, [v for found in (exact, loose)
                                             for vs in found.values() for v in vs], token_hashes)
    any_case = PhraseMatcher(tokenizer.vocab, attr="LOWER")
    exact_case = PhraseMatcher(tokenizer.vocab, attr="ORTH")
    # a pattern may be given as its tokens' hashes of the matcher's attribute (what
    # the matcher takes from a document, and how it unpickles one)
    for match_id, variants in exact.items():
        exact_case.add(match_id, [tokens[v][0] for v in variants])
    for match_id, variants in loose.items():
        any_case.add(match_id, [tokens[v][1] for v in variants])
    return Patterns(known, any_case, exact_case)


#: characters of text tokenized at once by :func:`token_hashes`
_JOINED_CHARS = 100_000


def token_hashes(tokenizer: Tokenizer, texts: Iterable[str]) -> dict[str, tuple[tuple, tuple]]:
    """The ORTH and LOWER hashes of the tokens of each of ``texts``, as
    ``tokenizer(text)`` has them.

    The texts are tokenized thousands at a time, joined by line breaks: a spaCy
    document costs more to make than its tokens (17,000 names took 0.6 s one by
    one). The tokenizer splits the text at white space and tokenizes each piece
    alone, and a line break is a token of its own that no special case holds, so
    the tokens between two line breaks are those of the text between them. A text
    with other white space than single spaces inside it, or a tokenizer with a
    special case holding a line break, is tokenized alone.
    """
    found: dict[str, tuple[tuple, tuple]] = {}
    joinable = not any("\n" in rule and rule != "\n" for rule in tokenizer.rules)
    batch: list[str] = []
    size = 0
    for text in texts:
        if text in found:
            continue
        if joinable and text and text == text.strip() and _single_spaced(text):
            found[text] = ((), ())  # placeholder: keeps each text once in ``batch``
            batch.append(text)
            size += len(text) + 1
            if size >= _JOINED_CHARS:
                _tokenize_joined(tokenizer, batch, found)
                batch, size = [], 0
        else:
            found[text] = _hashes(tokenizer(text))
    if batch:
        _tokenize_joined(tokenizer, batch, found)
    return found


def _single_spaced(text: str) -> bool:
    return "  " not in text and not any(c.isspace() for c in text.replace(" ", ""))


def _hashes(doc: Doc) -> tuple[tuple, tuple]:
    rows = doc.to_array([ORTH, LOWER]).tolist()
    return tuple(row[0] for row in rows), tuple(row[1] for row in rows)


def _tokenize_joined(tokenizer: Tokenizer, texts: list[str],
                     found: dict[str, tuple[tuple, tuple]]) -> None:
    doc = tokenizer("\n".join(texts))
    starts, orths, lowers = zip(*doc.to_array([IDX, ORTH, LOWER]).tolist(), strict=True)
    i, start = 0, 0
    for text in texts:
        end = start + len(text)
        j = bisect_left(starts, end, i)
        if i >= len(starts) or starts[i] != start or (j < len(starts) and starts[j] != end):
            found[text] = _hashes(tokenizer(text))  # not cut where expected
        else:
            found[text] = orths[i:j], lowers[i:j]
        i, start = j + 1, end + 1  # past the line break's token


class Gazetteer:
    """``Doc -> Doc``: adds a :class:`Candidate` for each known entity in the text."""

    def __init__(self, nlp: Language, resources: Resources):
        self.resources = resources
        self._known, self.any_case, self.exact_case = patterns_of(resources)
        for match_id in self._known:  # a match names its id by the string's hash
            nlp.vocab.strings.add(match_id)

    def __call__(self, doc: Doc) -> Doc:
        current = state(doc)
        # character offsets from the state's arrays: a Span per match costs more
        text, starts, ends = current.text, current.token_starts, current.token_ends
        for match_id, start, end in self._matches(doc):
            if _glued_on_the_left(current, start):
                continue  # "Adapters" in "P-Adapters" names something else
            entity = self._known[doc.vocab.strings[match_id]]
            start_char, end_char = starts[start], ends[end - 1]
            current.candidates.append(
                Candidate(
                    start=start_char,
                    end=end_char,
                    text=text[start_char:end_char],
                    type=entity.type,
                    kind=entity.kind,
                    rule="gazetteer",
                    confidence=0.95,
                    known=entity.name,
                )
            )
            if entity.type is EntityType.MODEL:
                checkpoint = _checkpoint(doc, start, end)
                if checkpoint is not None:
                    # a size alone ("Llama-3-70B", "LLaMA 7B", "BERT-base") is the family
                    # itself, as the annotation guidelines count it; a variant
                    # ("-Instruct", "-Chat") is a model of its own
                    sized = all(SIZE.match(t.text) or t.text == "-" or t.lower_ == "base"
                                for t in doc[end:checkpoint])
                    current.candidates.append(
                        Candidate(
                            start=start_char,
                            end=ends[checkpoint - 1],
                            text=text[start_char : ends[checkpoint - 1]],
                            type=EntityType.MODEL,
                            kind="named",
                            rule="gazetteer",
                            confidence=0.9,
                            known=entity.name if sized else None,
                            parent=None if sized else entity.name,
                        )
                    )
        return doc

    def _matches(self, doc: Doc) -> Iterator[tuple[int, int, int]]:
        yield from self.any_case(doc)
        yield from self.exact_case(doc)
        yield from self._bare_attention(doc)

    def _bare_attention(self, doc: Doc) -> Iterator[tuple[int, int, int]]:
        """"attention" alone names the mechanism only in a technical context ("the
        conventional attention", "attention layers"), never in "drew attention"."""
        entity = self.resources.lookup("attention mechanism")
        if entity is None:
            return
        match_id = doc.vocab.strings[name_key(entity.name)]
        current = state(doc)
        for start in attention_starts(current.text):
            i = current.token_at(start)
            if i >= len(doc) or doc[i].idx != start:
                continue
            before = doc[i - 1].lower_ if i else ""
            after = doc[i + 1].lower_ if i + 1 < len(doc) else ""
            if before in ATTENTION_BEFORE or after in ATTENTION_AFTER:
                yield match_id, i, i + 1


def attention_starts(text: str) -> Iterator[int]:
    """Where "attention" or "Attention" stands as a word in ``text`` (what
    ``\\b[Aa]ttention\\b`` finds).

    >>> list(attention_starts("Attention, self-attention and inattention; attentions"))
    [0, 16]
    """
    for found in _ATTENTION_TAIL.finditer(text):
        start = found.start() - 1
        if start >= 0 and text[start] in "Aa" and (
                start == 0 or not (text[start - 1].isalnum() or text[start - 1] == "_")):
            yield start


#: the hyphens that glue a compound ("P-Adapters")
_HYPHENS = ("-", "\u2010", "\u2011", "\u2013")


def _glued_on_the_left(current: DocState, start: int) -> bool:
    """Is token ``start`` the tail of a hyphenated compound ("P-Adapters")? Tokens
    are glued when one ends where the next starts (else a space is between)."""
    if start < 2:
        return False
    starts, ends, text = current.token_starts, current.token_ends, current.text
    return text[starts[start - 1] : ends[start - 1]] in _HYPHENS and \
        ends[start - 1] == starts[start] and ends[start - 2] == starts[start - 1] and \
        text[ends[start - 2] - 1].isalnum()


def _checkpoint(doc: Doc, start: int, end: int) -> int | None:
    """Extend a model name (tokens ``start`` to ``end``) over a size or variant suffix:
    ``Llama-2`` -> ``Llama-2-7B``; the end of the longer name, if any."""
    name_end = end
    while end < len(doc):
        token = doc[end]
        glued = not doc[end - 1].whitespace_
        if token.text == "-" and glued and end + 1 < len(doc) and not token.whitespace_:
            nxt = doc[end + 1]
            if SIZE.match(nxt.text) or nxt.lower_ in VARIANT_WORDS:
                end += 2
                continue
            break
        if SIZE.match(token.text) and (glued or end == name_end):
            end += 1
            continue
        break
    return end if end > name_end else None


@Language.factory("paperkg_gazetteer", default_config={"resource_dirs": []})
def make_gazetteer(nlp: Language, name: str, resource_dirs: Sequence[str]) -> Gazetteer:
    """spaCy factory of :class:`Gazetteer`."""
    return Gazetteer(nlp, load_resources(resource_dirs))
