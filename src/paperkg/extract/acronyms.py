"""Acronym definitions ("Low-Rank Adaptation (LoRA)") by the Schwartz-Hearst algorithm.

Schwartz & Hearst (2003), "A simple algorithm for identifying abbreviation
definitions in biomedical text": a short form in parentheses is matched,
character by character from the end, against the words before it; the first
character of the short form must start a word of the long form. Both the
``long form (SF)`` and the ``SF (long form)`` orders are handled.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc

from paperkg.extract.candidates import Candidate, DocState, state
from paperkg.extract.cues import (
    NAMING,
    OURS_BEFORE,
    PROPOSAL,
    SURVEY,
    WE_CALL,
    type_from_context,
    type_from_head,
    type_from_shape,
    type_from_words_before,
)
from paperkg.extract.resources import KnownEntity, Resources, load_resources
from paperkg.extract.text import name_key, whole_name_starts
from paperkg.records import EntityType

_PAREN = re.compile(r"\(([^()]{1,120})\)")
_WORD = re.compile(r"\S+")
#: a sentence end: a full stop, question or exclamation mark, a space, then a capital
_SENTENCE_END = re.compile(r"[.!?]\s+(?=[A-Z])")


@dataclass(frozen=True, slots=True)
class Definition:
    """A short form and its long form, with character offsets in the text."""

    short: str
    short_start: int
    long: str
    long_start: int

    @property
    def short_end(self) -> int:
        return self.short_start + len(self.short)

    @property
    def long_end(self) -> int:
        return self.long_start + len(self.long)


def _valid_short(candidate: str) -> bool:
    if not 2 <= len(candidate) <= 12 or len(candidate.split()) > 2:
        return False
    if not candidate[0].isalnum() or not any(c.isalpha() for c in candidate):
        return False
    # an acronym has a capital letter somewhere (rules out "(e.g. this)", "(ours)")
    return any(c.isupper() for c in candidate)


def best_long_form(short: str, long: str) -> str | None:
    """The shortest tail of ``long`` that ``short`` abbreviates, or None.

    >>> best_long_form("LoRA", "we use Low-Rank Adaptation")
    'Low-Rank Adaptation'
    >>> best_long_form("HMM", "a hidden Markov model")
    'hidden Markov model'
    >>> best_long_form("XYZ", "nothing related") is None
    True
    """
    s_index = len(short) - 1
    l_index = len(long) - 1
    while s_index >= 0:
        char = short[s_index].lower()
        if not char.isalnum():
            s_index -= 1
            continue
        while l_index >= 0 and (
            long[l_index].lower() != char
            or (s_index == 0 and l_index > 0 and long[l_index - 1].isalnum())
        ):
            l_index -= 1
        if l_index < 0:
            return None
        l_index -= 1
        s_index -= 1
    start = long.rfind(" ", 0, l_index + 1) + 1
    result = long[start:].strip()
    return result or None


#: a letter and a count of it: "P3O" for Pairwise Proximal Policy Optimization
_MULTIPLIED = re.compile(r"(?<=[A-Za-z])[2-5](?=[A-Za-z]|$)")


def _multiplied(short: str) -> str:
    """The short form with each counted letter written out.

    >>> _multiplied("P3O"), _multiplied("T5"), _multiplied("A3C")
    ('PPPO', 'TTTTT', 'AAAC')
    """
    return re.sub(r"([A-Za-z])([2-5])(?=[A-Za-z]|$)",
                  lambda m: m.group(1) * int(m.group(2)), short)


def _initials(long: str) -> str:
    """The first letters of a long form's words, hyphenated parts counted apart.

    >>> _initials("Text-to-Text Transfer Transformer"), _initials("layer-wise loss")
    ('ttttt', 'lwl')
    """
    return "".join(word[0] for word in re.split(r"[\s-]+", long) if word).lower()


def _capitalised_long_form(short: str, window: str) -> str | None:
    """A coined short form whose letters come out of order ("Knowledge-Intensive
    Compressed LLM BenchmarK (LLM-KICK)"): the run of capitalised words right
    before the parenthesis, when it holds every capital of the short form.

    >>> _capitalised_long_form("LLM-KICK", "we introduce Knowledge-Intensive Compressed LLM BenchmarK")
    'Knowledge-Intensive Compressed LLM BenchmarK'
    >>> _capitalised_long_form("SDXL", "we use Stable Diffusion") is None
    True
    """
    capitals = {c for c in short if c.isupper()}
    if len(short) < 4 or len(capitals) < 3 or not any(c in short for c in "-0123456789"):
        return None  # only hyphenated or numbered coinages: SH handles plain acronyms
    words = window.split()
    run = words[_capitalised_run_start(words) :]
    if len(run) < 2:
        return None
    long = " ".join(run)
    return long if capitals <= set(long.upper()) else None


def _with_head_of(short: str, long: str, window: str) -> str:
    """The capitalised long form with a word the shortest match left out.

    A short form with more capitals than the long form has capitalised words
    lost its first word ("PPO" matched in "Policy Optimization"); a word-like
    short form with one capital may also abbreviate the head a long form hangs on
    ("Monet": "Mixture of Monosemantic Experts for Transformers"). The word must
    start with the short form's first letter.

    >>> _with_head_of("PPO", "Policy Optimization", "we use Proximal Policy Optimization")
    'Proximal Policy Optimization'
    >>> _with_head_of("Monet", "Monosemantic Experts", "we use Mixture of Monosemantic Experts")
    'Mixture of Monosemantic Experts'
    >>> _with_head_of("LoRA", "Low-Rank Adaptation", "the Loss of Low-Rank Adaptation")
    'Low-Rank Adaptation'
    """
    capitals = sum(c.isupper() for c in short)
    words = sum(w[:1].isupper() for w in re.split(r"[\s-]+", long))
    pattern = None
    if capitals > words:
        pattern = r"\b([A-Z][a-z]+) "
    elif capitals == 1 and words > 1:
        pattern = r"\b([A-Z][a-z]+) (?:of|for) "
    match = re.search(pattern + re.escape(long) + "$", window) if pattern else None
    if match is None or match.group(1)[0] != short[0]:
        return long
    return match.group(0)


#: capitalised words that open a sentence rather than a name
_NOT_IN_NAMES = frozenset({"We", "Our", "The", "A", "An", "This", "In"})


def _capitalised_run_start(words: Sequence[str]) -> int:
    """Where the run of capitalised words that ends ``words`` starts (``len(words)``
    when the last word is not capitalised).

    >>> _capitalised_run_start(["we", "propose", "Core", "Context", "Aware"])
    2
    """
    start = len(words)
    while start and words[start - 1][:1].isupper() and words[start - 1] not in _NOT_IN_NAMES:
        start -= 1
    return start


#: characters before a bracket a long form may start in (its 20-odd words fit in far fewer)
_LONG_FORM_REACH = 1000


def _tail_words(text: str, limit: int) -> tuple[str, int]:
    """The last ``limit`` words of ``text`` (runs of non-space characters) with what
    lies between them, and where they start; ``text`` ends in a word or is empty.

    >>> _tail_words(" a  (b) c", 2)
    ('(b) c', 4)
    """
    parts = text.rsplit(None, limit)  # split from the end: a text is up to 1,000 characters
    if not parts:
        return "", len(text)
    if len(parts) <= limit:
        start = len(text) - len(text.lstrip())
    else:  # parts[0] is what comes before, as it stands in ``text`` up to its last word
        rest = text[len(parts[0]) :]
        start = len(parts[0]) + len(rest) - len(rest.lstrip())
    return text[start:], start


def _clean_long(long: str, short: str) -> str | None:
    long = long.strip(" ,;:-\"'")
    words = long.split()
    if not words or len(words) > len(short) + 5 or len(long) <= len(short):
        return None
    if long.lower() == short.lower():
        return None
    if "(" in long or ")" in long:
        return None  # reaches back over another definition or an enumeration: "(GEMM), while ..."
    return long


def find_definitions(text: str) -> Iterator[Definition]:
    """Every acronym definition in ``text``.

    >>> [(d.short, d.long) for d in find_definitions(
    ...     "We propose Low-Rank Residual Attention (LoRRA) for mixture of experts (MoE).")]
    [('LoRRA', 'Low-Rank Residual Attention'), ('MoE', 'mixture of experts')]
    """
    for paren in _PAREN.finditer(text):
        inner = paren.group(1).strip()
        inner_start = paren.start(1) + (len(paren.group(1)) - len(paren.group(1).lstrip()))
        # a long form never reaches back across the title / abstract boundary, nor
        # across the end of a sentence ("... models. Results show that X (MathT5)")
        # (looked for only in the characters a long form can span: a text of one long
        # "sentence" full of brackets made every bracket rescan all before it)
        reach = max(0, paren.start() - _LONG_FORM_REACH)
        base = text.rfind("\n\n", reach, paren.start())
        base = base + 2 if base >= 0 else reach
        for stop in _SENTENCE_END.finditer(text, base, paren.start()):
            base = stop.end()
        before = text[base : paren.start()]
        # "long form (SF)"; a short form may carry a plural s: "LLMs"
        short = inner.split(";")[0].split(",")[0].strip()
        if _valid_short(short):
            limit = min(len(short) + 5, len(short) * 2)
            window, window_start = _tail_words(before.rstrip(), limit)
            core = short[:-1] if short.endswith("s") and short[:-1].isupper() else short
            letters = core
            long = best_long_form(core, window)
            if long is None and _MULTIPLIED.search(core):
                # "Pairwise Proximal Policy Optimization (P3O)": P3 stands for PPP
                letters = _multiplied(core)
                long = best_long_form(letters, window)
            long = _clean_long(long, short) if long else None
            if long is None:
                long = _capitalised_long_form(core, window)
            elif not long[:1].islower():
                long = _with_head_of(letters, long, window)
            if long and letters != core and _initials(long) != letters.lower():
                long = None  # each counted letter begins a word: not "layer-wise loss (L2)"
            if long:
                yield Definition(short, inner_start, long,
                                 base + window_start + window.rfind(long))
                continue
        # "SF (long form)"
        last, last_start = _tail_words(before.rstrip(), 1)
        if not last or len(inner.split()) < 2:
            continue
        candidate = last.strip(",;:\"'")
        if _valid_short(candidate):
            long = best_long_form(candidate, inner)
            if long and long == inner and _clean_long(long, candidate):
                yield Definition(candidate, base + last_start, long, inner_start)


#: an acronym inside a name: "Sparsely-Sharded (S2) Attention", later used as "S2-Attention"
_INNER_ACRONYM = re.compile(r"\(([A-Z][A-Za-z0-9]{0,9})\) ([A-Z][a-z]+(?:-[A-Z][a-z]+)?)\b")


def find_inner_acronyms(text: str) -> Iterator[Definition]:
    """Names written out with their acronym inside ("Core Context Aware (CCA)
    Attention") that the text goes on to use in short ("CCA-Attention"): the
    short use is the short form, the whole written-out name the long form.

    >>> [(d.short, d.long) for d in find_inner_acronyms(
    ...     "We propose Sparsely-Sharded (S2) Attention. S2-Attention is fast.")]
    [('S2-Attention', 'Sparsely-Sharded (S2) Attention')]
    >>> list(find_inner_acronyms("Traditional Natural Language Processing (NLP) Datasets fail."))
    []
    """
    for match in _INNER_ACRONYM.finditer(text):
        acronym, tail = match.groups()
        short = re.compile(rf"(?<![\w-]){re.escape(acronym)}[- ]?{re.escape(tail)}(?![\w-])")
        used = short.search(text, match.end()) or short.search(text, 0, match.start())
        if used is None:
            continue
        words = list(_WORD.finditer(text, max(0, match.start() - 120), match.start()))
        first = _capitalised_run_start([word.group() for word in words])
        if first == len(words) or text[words[first].start()].upper() != acronym[0]:
            continue
        start = words[first].start()
        yield Definition(used.group(), used.start(), text[start:match.end()], start)



class AcronymDetector:
    """``Doc -> Doc``: acronym definitions become candidates with their long form as alias.

    A definition whose short or long form is on the stoplist ("large language
    models (LLMs)") is blocked, so no later rule takes it for a name.
    """

    def __init__(self, resources: Resources):
        self.resources = resources

    def __call__(self, doc: Doc) -> Doc:
        current = state(doc)
        inner: set[int] = set()  # where the acronyms inside names stand
        if "(" in current.text:
            for definition in find_inner_acronyms(current.text):
                self._add(doc, current, definition)
                inner.add(definition.long_start + definition.long.index("(") + 1)
        for definition in find_definitions(current.text):
            if definition.short_start not in inner:  # "(CCA)" is not "Core Context Aware"
                self._add(doc, current, definition)
        return doc

    def _add(self, doc: Doc, current: DocState, definition: Definition) -> None:
        res = self.resources
        long_known = res.lookup(definition.long)
        known = long_known or res.lookup(definition.short)
        ours = _proposed_here(current, definition)
        both = {name_key(definition.short), name_key(definition.long)}
        if known is not None and long_known is None and not same_meaning(definition.long, known):
            # "Large Concept Models (LCMs)" where the resource knows LCM as the
            # Latent Consistency Model: the text's own definition wins here
            base = _singular(definition.short)
            current.redefined.update({name_key(base), name_key(base + "s")})
            known = None
        stopped = res.is_stopped(definition.long) or (res.is_stopped(definition.short) and not ours)
        # "this paper presents a systematic literature review (SLR)": a kind of paper
        stopped = stopped or SURVEY.search(definition.long.split()[-1]) is not None
        if known is None and stopped:  # "SLM" is generic, unless the paper proposes its own
            current.blocked.update(both)
            return
        parent = None
        if known is not None:
            entity_type, kind, confidence = known.type, known.kind, 0.95
            if known.kind == "concept":
                kind = "named"  # an acronym makes a concept a named technique
        else:
            task = _names_task(definition.long)
            head_type = type_from_head(definition.long, res)
            entity_type = _type_of_new(definition.long, res)
            if entity_type is None and not task and ours:
                # "we propose a joint speech and language model (SLM)": what the paper
                # names as its own is an entity even when its long form is generic
                entity_type = head_type or EntityType.TECHNIQUE
            if entity_type is None:
                if task:  # nor is "MCQA datasets" a benchmark
                    current.blocked.update(both)
                return
            if head_type is None:
                # "Interleaved Image-Text (IIT) benchmark", "MTOB (...), a benchmark"
                entity_type = _type_after(doc, current, definition, res) or entity_type
            # "a new approach called fine-tuning stacks of language models (FSLM)"
            entity_type = _type_named_before(current, definition, res) or entity_type
            kind, confidence = "named", 0.8 if not definition.long.islower() else 0.65
            if ours:  # "we propose X-Y Model (XYM)"
                current.proposed.update(both)
            parent = _known_head(definition.long, entity_type, res)
        # "Core Context Aware (CCA) Attention" is also the name without its acronym
        spelled = tuple({re.sub(r" \([^()]*\)", "", definition.long)} - {definition.long})
        template = Candidate(
            start=definition.short_start,
            end=definition.short_end,
            text=definition.short,
            type=entity_type,
            kind=kind,
            rule="acronym",
            confidence=confidence,
            known=known.name if known else None,
            aliases=(definition.long, *spelled),
            parent=parent,
        )
        current.candidates.append(template)
        current.candidates.append(
            template.with_(start=definition.long_start, end=definition.long_end,
                           text=definition.long, aliases=(definition.short, *spelled))
        )
        base = _singular(definition.short)
        for start, end in _occurrences(current, base):
            if start != definition.short_start:
                current.candidates.append(
                    template.with_(start=start, end=end, text=current.text[start:end]))


#: a word as :func:`_occurrence` bounds it
_WHOLE_WORD = re.compile(r"[\w-]+")
#: short forms found by scanning the text, before its words are indexed (scanning
#: for one costs about a thirtieth of indexing a usual abstract)
_SCANS_BEFORE_INDEX = 32


def _occurrences(current: DocState, short: str) -> list[tuple[int, int]]:
    """Where ``short`` or its plural stands as a whole word, in text order.

    The text is scanned for each of its first short forms; a text defining more
    has its words indexed instead, once (a 96 KB abstract of about 2,500
    definitions took 22 s scanned per definition). A short form with other
    characters than ``[\\w-]`` is searched for with :func:`_occurrence`.
    """
    if not _WHOLE_WORD.fullmatch(short):
        return [m.span() for m in _occurrence(short).finditer(current.text)]
    index = current.words
    if index is None and current.scans < _SCANS_BEFORE_INDEX:
        current.scans += 1
        return _scan(current.text, short)
    if index is None:
        index = current.words = {}
        for match in _WHOLE_WORD.finditer(current.text):
            index.setdefault(match.group(), []).append(match.span())
    return sorted(index.get(short, []) + index.get(short + "s", []))


def _scan(text: str, short: str) -> list[tuple[int, int]]:
    """What :func:`_occurrence` finds for a short form of ``[\\w-]`` only: its whole-word
    uses and its plural's, found with ``str.find`` (ten times faster than the
    expression, which has no literal prefix to skip to)."""
    size = len(short)
    return sorted([(at, at + size) for at in whole_name_starts(short, text)] +
                  [(at, at + size + 1) for at in whole_name_starts(short + "s", text)])


@lru_cache(maxsize=4096)
def _occurrence(short: str) -> re.Pattern[str]:
    """``short`` or its plural as a whole word."""
    return re.compile(rf"(?<![\w-]){re.escape(short)}s?(?![\w-])")


def _singular(short: str) -> str:
    """``LCMs`` -> ``LCM``: a plural acronym's later mentions may be singular."""
    return short[:-1] if re.search(r"[A-Z]s$", short) else short


def same_meaning(long: str, known: KnownEntity) -> bool:
    """Could ``long`` be another spelling of ``known`` (most of its words in one of its names)?

    >>> lcm = KnownEntity("Latent Consistency Model", EntityType.MODEL, "named", ("LCM",))
    >>> same_meaning("Large Concept Models", lcm), same_meaning("latent consistency models", lcm)
    (False, True)
    """
    words = _content_words(long)
    if not words:
        return True
    return any(
        len(words & _content_words(name)) * 2 >= len(words) for name in known.names
    )


def _content_words(text: str) -> set[str]:
    return {w.rstrip("s") for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2}


def _type_after(
    doc: Doc, current: DocState, definition: Definition, resources: Resources
) -> EntityType | None:
    """Type from the words right after a definition's closing parenthesis."""
    end_char = max(definition.short_end, definition.long_end)
    close = current.text.find(")", end_char, end_char + 2)
    after = current.token_at((close if close >= 0 else end_char - 1) + 1)
    if after >= len(doc):
        return None
    return type_from_context(doc, after, after, resources)


def _type_named_before(current: DocState, definition: Definition,
                       resources: Resources) -> EntityType | None:
    """Type from the noun the text gives right before naming the definition:
    "a new approach called fine-tuning stacks of language models (FSLM)"."""
    start = min(definition.short_start, definition.long_start)
    before = current.text[max(current.sentence(start)[0], start - 60) : start]
    return type_from_words_before(before, resources) if NAMING.search(before) else None


#: heads of task names; a capitalised long form with one of them names a task
#: unless a participle makes it a method ("Retrieval-Augmented Code Generation")
_TASK_HEADS = frozenset({
    "answering", "captioning", "classification", "completion", "detection", "extraction",
    "forecasting", "generation", "localization", "navigation", "parsing", "prediction",
    "processing", "recognition", "segmentation", "summarization", "tagging", "tracking",
    "translation", "understanding",
})


_PROPOSED_BEFORE = re.compile(
    r"\b(?:we|this (?:paper|work|study|report))\s+(?:\w+\s+)?"
    r"(?:propose|introduce|present|develop|design|build|construct)[sd]?\b"
    r"(?:\s+[\w-]+){0,4}"  # the long form follows within a few words,
    # or named: "method, (namely)"
    r"(?:,?\s+(?:namely|called|named|dubbed|termed)|,)?\s+[\"\u201c]?$"
    r"|\b(?:a|an)\s+(?:novel|new|innovative)\s+$",  # "utilizes an innovative ... (AnSAN)"
    re.IGNORECASE,
)
#: the name a proposal gives its object, however long the object: "we propose a novel
#: training pipeline for sparse models, named Adaptive Sparse Trainer (AST)"; "we propose
#: a novel family of language models, Latent-Thought Language Models (LTMs)"
#: a list after a proposal: "we propose three key innovations ...: adaptive chunking ...,
#: Sequence Pipeline Parallelism (SPP) to lower TTFT, and KV Cache Parallelism (KVP)"
_PROPOSED_LIST = re.compile(r"\b(?:we|this (?:paper|work))\s+(?:\w+\s+)?"
                            r"(?:propose|introduce|present|develop)[sd]?\b[^.:;]{0,120}:\s",
                            re.IGNORECASE)
#: the paper names it: "This architecture, which we call CAMELoT (...)"
_WE_CALL = re.compile(r"\b" + WE_CALL + r"\s*[\"\u201c]?\s*$", re.IGNORECASE)
_NAMED_AFTER = re.compile(
    r"(?:\b(?:named|called|dubbed|termed|namely)(?:\s+as)?"
    r"|\b(?:a|an)\s+(?:[\w-]+\s+){0,2}?(?:novel|new|innovative)\b"
    r"(?:\s+(?!(?:that|which|who|where|with|by|using|uses?|to|and)\b)[\w-]+){0,6}\s*[,:])"
    r"\s*[\"\u201c]?\s*$",
    re.IGNORECASE,
)


def _proposed_here(current: DocState, definition: Definition) -> bool:
    """Is the definition the object of "we propose / introduce ..." in its sentence,
    the name a proposal gives its object, or what the paper calls its own ("Our
    proposed Mixture of Soft Prompts (MSP)")?"""
    start = min(definition.short_start, definition.long_start)
    sentence_start, _ = current.sentence(start)
    # the sentence's last thousand characters: a text of one endless sentence of
    # definitions made each one search all the text before it
    before = current.text[max(sentence_start, start - _LONG_FORM_REACH):start] + " "
    return (_PROPOSED_BEFORE.search(before) is not None or OURS_BEFORE.search(before) is not None
            or _WE_CALL.search(before) is not None or _PROPOSED_LIST.search(before) is not None
            or (_NAMED_AFTER.search(before) is not None and PROPOSAL.search(before) is not None))


def _names_task(long: str) -> bool:
    """Is a capitalised long form the name of a task ("Visual Question Answering")?"""
    words = re.findall(r"[A-Za-z]+", long)
    return (bool(words) and not is_lowercase_phrase(long) and words[-1].lower() in _TASK_HEADS
            and not any(w.endswith("ed") for w in words[:-1]))


def _known_head(long: str, entity_type: EntityType, resources: Resources) -> str | None:
    """The named entity of the same type that a new long form ends with: "APproximated
    Proximal Policy Optimization (A-3PO)" is a PPO, "Token-level Direct Preference
    Optimization" a DPO. Not a concept: "Pruned Attention" is one of many attentions."""
    words = long.split(" ")
    for i in range(1, len(words)):
        known = resources.lookup(" ".join(words[i:]))
        if known is not None:
            return known.name if known.kind == "named" and known.type is entity_type else None
    return None


def _type_of_new(long: str, resources: Resources) -> EntityType | None:
    """Type of an acronym the resource does not know, from its long form.

    A long form in capitals ("Hierarchical Large Language Model") is a coined
    name: typed by its head, else a technique. A lower-case one ("ordinary
    differential equations", "question answering") is an entity only when a
    technique, model, dataset or benchmark cue says so and its head is not a task,
    field or generic class.
    """
    words = re.findall(r"[A-Za-z]+", long)
    head = (words or [""])[-1].lower()
    found = type_from_head(long, resources) or _type_from_words(long, resources)
    if not is_lowercase_phrase(long):
        if _names_task(long):
            return None  # a task: "Multi-Choice Question Answering", "Natural Language Processing"
        last = resources.lookup(long.rsplit(" ", 1)[-1]) if " " in long else None
        if found is None and last is not None and last.type is EntityType.MODEL:
            return EntityType.MODEL  # "Label Supervised LLaMA (LS-LLaMA)" is a LLaMA
        return found or type_from_shape(long) or EntityType.TECHNIQUE  # "HumanRankEval (HRE)"
    if head in resources.not_entity_heads or head.rstrip("s") in resources.not_entity_heads:
        return None
    return found


def is_lowercase_phrase(text: str) -> bool:
    """Is ``text`` ordinary lower-case words, perhaps capitalised at a sentence start?

    >>> is_lowercase_phrase("Autoregressive models"), is_lowercase_phrase("Large Concept Model")
    (True, False)
    >>> is_lowercase_phrase("20 Newsgroups"), is_lowercase_phrase("3D point clouds")
    (False, True)
    """
    words = re.findall(r"[A-Za-z]+", text)
    if text[:1].isdigit():  # "20 Newsgroups": no sentence starts with its second word
        return all(w.islower() for w in text.split() if w.isalpha())
    return bool(words) and all(w.islower() for w in words[1:]) and (
        words[0].islower() or words[0].istitle())


def _type_from_words(phrase: str, resources: Resources) -> EntityType | None:
    """Technique when any word of the phrase is a technique cue ("... learning ...")."""
    for word in re.findall(r"[A-Za-z]+", phrase.lower()):
        if resources.cue_type(word) is EntityType.TECHNIQUE:
            return EntityType.TECHNIQUE
    return None


@Language.factory("paperkg_acronyms", default_config={"resource_dirs": []})
def make_acronym_detector(nlp: Language, name: str, resource_dirs: Sequence[str]):
    """spaCy factory of :class:`AcronymDetector`."""
    return AcronymDetector(load_resources(resource_dirs))
