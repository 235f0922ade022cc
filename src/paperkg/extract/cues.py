"""Typing a new name from its head noun, its shape and its context."""

from __future__ import annotations

import re

from spacy.tokens import Doc

from paperkg.extract.resources import Resources
from paperkg.records import EntityType

#: an edition mark after a name: "++", "-2", " v1.5"
_EDITION = re.compile(r"(?:[-_ ]?v?\d+(?:\.\d+)*|\+)+$")
_BENCH_SHAPE = re.compile(r"(bench|eval|arena|qa|leaderboard)$", re.IGNORECASE)
_MODEL_SHAPE = re.compile(
    r"((lm|llm)s?(-\d+)?|gpt|bert|former|net|-?\d+(\.\d+)?[bm]|-instruct|-chat|-base)$",
    re.IGNORECASE
)
_DATA_SHAPE = re.compile(r"(corpus|data|dataset|set|\d+k|\d+m)$", re.IGNORECASE)
EVALUATION_CUE = re.compile(
    r"\b(evaluat\w*|assess\w*|benchmark\w*|experiments? (?:on|across)|results? on|tested on|"
    r"achiev\w*|outperform\w*|accuracy|scores?|state-of-the-art|sota|surpass\w*|"
    r"perplexity|improv\w* (?:the )?(?:performance|results|perplexity)|performance on)\b",
    re.IGNORECASE,
)
#: a sentence about training data, not evaluation
TRAINING_CUE = re.compile(
    r"\b(?:(?:pre-?)?train\w*|fine-?tun\w*|finetun\w*|distill\w*|curat\w*) (?:\w+ ){0,3}?"
    r"(?:on|with|from|using)\b|\btraining (?:data|corpus|set)\b",
    re.IGNORECASE,
)

#: the paper presenting something of its own: "we propose", "this work introduces"
PROPOSAL = re.compile(
    r"\b(?:(?:we|this (?:paper|work|study|report)|here,? we|in this (?:paper|work),? we)\s+"
    r"(?:also\s+|further\s+|first\s+|then\s+|have\s+)?"
    r"(?:propose|introduce|present|develop|release|design|build|construct|curate|create|"
    r"contribute|devise|establish|offer|open-source|unveil)(?:s|d)?"
    r"|by (?:first\s+)?(?:introducing|proposing|presenting|developing|designing|creating|"
    r"building|constructing|curating))\b(?!\s+to\b)",
    re.IGNORECASE,
)
#: :data:`PROPOSAL` for lower-cased text, case-sensitive: the engine skips to the
#: letters an alternative starts with, where ``re.IGNORECASE`` tries every position
_PROPOSAL_LOWER = re.compile(r"(?=[wthib])" + PROPOSAL.pattern)


def proposal_spans(text: str) -> list[tuple[int, int]]:
    """The (start, end) of each :data:`PROPOSAL` match in ``text``, in order.

    >>> text = "Here, we Propose X. By introducing Y, this paper presents Z."
    >>> [text[s:e] for s, e in proposal_spans(text)]
    ['Here, we Propose', 'By introducing', 'this paper presents']
    """
    if text.isascii():  # lower-casing keeps every offset; no letter folds unlike ASCII
        return [m.span() for m in _PROPOSAL_LOWER.finditer(text.lower())]
    return [m.span() for m in PROPOSAL.finditer(text)]


#: what a survey calls itself
SURVEY = re.compile(r"\b(?:survey|review|overview|tutorial|primer|position paper)\b", re.I)
#: what the paper calls its own right before a name: "our proposed X", "the proposed X",
#: "our novel X", "Our method, X," ("our model, FLACUNA"), "a newly constructed X"
OURS_BEFORE = re.compile(
    r"\b(?:our|the)\s+(?:newly\s+)?proposed\s+$|\bour\s+(?:new|novel)\s+$"
    r"|\b(?:a|an|the|our)\s+newly\s+(?:constructed|built|created|collected|curated|"
    r"developed|introduced)\s+$"
    r"|\bour\s+(?:(?:proposed|new|novel|final|resulting)\s+)?(?:method|model|approach|framework|"
    r"system|algorithm|technique|architecture|pipeline|dataset|benchmark|library|tool|agent)"
    r"\s*[,:]?\s+$",
    re.IGNORECASE)
#: the paper naming something itself: "This architecture, which we call CAMELoT"
WE_CALL = r"(?:which|that) we (?:call|term|name|dub)"
#: a naming word right before a name: "a framework called X", "namely X"
NAMING = re.compile(
    r"\b(?:called|named|dubbed|termed|coined|namely|denoted(?: as)?|entitled|"
    + WE_CALL + r")\s*[:,]?\s+$",
    re.IGNORECASE,
)
#: where the search for the noun a name is given stops: another clause
_TYPE_SEARCH_STOP = frozenset({"we", "which", "that", "it", "they", "is", "are", "was", "were",
                               "and", "or"})
#: words that open a noun phrase: "a ... pipeline"
_DETERMINERS = frozenset({"a", "an", "the", "our", "this", "its", "their"})
#: "a variant of AtP called AtP*" has the type of AtP, not of "variant"
_VARIANT_HEADS = frozenset({"variant", "variants", "version", "versions", "extension"})
#: words that open a complement: the noun a name is given stands before them
_COMPLEMENT_OPENERS = frozenset({"of", "for", "to", "with", "on", "in", "by", "from", "using",
                                 "via", "over"})
_STOP_WORDS = {"that", "which", "who", "to", "for", "with", "by", "and", "or", "of", "in", "on",
               "at", "from", "into", "via", "through", "across", "using", "than", "as"}
_ARTICLES = {"a", "an", "the"}


def type_from_head(phrase: str, resources: Resources) -> EntityType | None:
    """Type signalled by the last word of a phrase (``Interleaved Image-Text Benchmark``),
    before "for" and what it is for (``Query-aware Inference for LLMs`` is no LLM)."""
    words = re.findall(r"[A-Za-z]+", re.split(r"\s+for\s+", phrase, maxsplit=1)[0])
    if not words:
        return None
    head = words[-1].lower()
    return resources.cue_type(head) or resources.cue_type(head.rstrip("s"))


def type_from_shape(name: str) -> EntityType | None:
    """Type signalled by how a name is formed (``MT-Bench``, ``MIDI-LLM``, ``GEB-1.3B``;
    ``LLM-to-SLM`` names a way of getting from one to the other: a technique).

    >>> [type_from_shape(n).value for n in ("Zorb-Bench-2", "xZorbLLMs-100", "Zorb-to-SLM")]
    ['Benchmark', 'Model', 'Technique']
    """
    if "-to-" in name:
        return EntityType.TECHNIQUE
    stem = _EDITION.sub("", name)  # "LRBench++", "Zorb-Bench-2" are benchmarks too
    if _BENCH_SHAPE.search(stem):
        return EntityType.BENCHMARK
    if _MODEL_SHAPE.search(name):
        return EntityType.MODEL
    if _DATA_SHAPE.search(stem) and not name.isupper():
        return EntityType.DATASET
    return None


def type_from_context(doc: Doc, start: int, end: int, resources: Resources) -> EntityType | None:
    """Type signalled by the words around tokens ``start:end``.

    Looks at a head noun right after the name ("PixelRec dataset"), then at an
    appositive or copula ("ExpertFlow, a comprehensive system";
    "X is a benchmark").
    """
    if end < len(doc):
        found = resources.cue_type(doc[end].lower_)
        if found is None and end + 1 < len(doc) and doc[end].text == "-":
            found = resources.cue_type(doc[end + 1].lower_)
        if found is None and doc[end].lower_ in ("and", "or"):
            # "the 20 Newsgroups (20NG) and MASSIVE datasets": a head the names share
            following = doc[end + 1 : end + 4]
            head = next((t for t in following if not t.text[:1].isupper()), None)
            found = resources.cue_type(head.lower_) if head is not None else None
        if found is not None:
            return found
    i = end
    if i < len(doc) and doc[i].text in (",", "is", "(", ":"):
        i += 1
    if i < len(doc) and doc[i].lower_ in _ARTICLES:
        # the head noun decides: the last cue of the phrase ("a model compression
        # technique", "an LLM inference library"), but "a benchmark dataset" is a benchmark
        head = None
        for token in doc[i + 1 : min(i + 12, len(doc))]:
            if (token.is_punct and token.text != "-") or (
                    token.lower_ in _STOP_WORDS and doc[token.i - 1].text != "-"):
                break  # but "question-and-answer" goes on
            found = resources.cue_type(token.lower_)
            if head and found is None and token.is_lower and token.text.endswith("ing"):
                break  # the phrase ends at a participle: "a method incorporating LM ..."
            if token.i + 1 < len(doc) and doc[token.i + 1].text == "-":
                continue  # a modifier: "a training-free Mixture-Compressor"
            if found is not None and not (head is EntityType.BENCHMARK and
                                          found is EntityType.DATASET):
                head = found
        return head
    return None


def type_from_words_before(before: str, resources: Resources) -> EntityType | None:
    """Type from the noun the text names or calls its own just before a name.

    After a naming word the name is the whole noun phrase's: its head decides, not
    a complement's ("a novel training pipeline for sparse models, named AST" is a
    pipeline; "a fine-tuned model for Portuguese named Bode", a model). Otherwise
    the nearest noun does ("the abilities of our model, FLACUNA").
    """
    named = NAMING.search(before) is not None
    phrase = NAMING.sub("", before).rstrip(" ,:")
    phrase = re.split(r"[,;:.()]", phrase)[-1]  # this clause only
    words = re.findall(r"[A-Za-z-]+", phrase)[-12:]
    if not named:
        for word in reversed(words[-7:]):
            if word.lower() in _TYPE_SEARCH_STOP or word.lower() in _COMPLEMENT_OPENERS:
                break
            found = resources.cue_type(word)
            if found is not None:
                return found
        return None
    head = found = None
    for word in reversed(words):
        lower = word.lower()
        if lower in _TYPE_SEARCH_STOP:
            break
        if lower in _COMPLEMENT_OPENERS:
            head = None  # what came after was a complement of the phrase before
        elif head is None:
            head = lower
        elif lower in _DETERMINERS and head not in _VARIANT_HEADS:
            # a noun phrase "a ... head": the leftmost one is what the name names
            found = resources.cue_type(head) or resources.cue_type(head.rstrip("s"))
    return found
