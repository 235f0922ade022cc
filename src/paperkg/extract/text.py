"""String helpers shared by extraction, resolution and evaluation."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

_NON_ALNUM = re.compile(r"[\W_]+")
_NON_ALNUM_KEEP_MARK = re.compile(r"(?:[^\w+#\x00]|_)+")
_KEEP_DECIMAL = re.compile(r"(?<=\d)\.(?=\d)")
_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=1 << 18)
def match_key(text: str) -> str:
    """The contract's matching key: lowercase, every non letter/digit removed.

    >>> match_key("Low-Rank Adaptation (LoRA)")
    'lowrankadaptationlora'
    """
    folded = unicodedata.normalize("NFKC", text).lower()
    return _NON_ALNUM.sub("", folded)


@lru_cache(maxsize=1 << 18)
def name_key(text: str) -> str:
    """Key under which surface names merge: case, hyphen and spacing variants agree,
    version numbers stay apart (``Llama-3.1`` is not ``Llama-31``), and so do
    plus signs (``LoRA+`` is not ``LoRA``).

    >>> name_key("LLaMa-2") == name_key("Llama 2") == name_key("llama2")
    True
    >>> name_key("GPT-4") == name_key("GPT-4o")
    False
    >>> name_key("LoRA+") == name_key("LoRA"), name_key("τ-bench")
    (False, 'τbench')
    >>> name_key("Llama-3.1"), name_key("Llama-31")
    ('llama3.1', 'llama31')
    """
    folded = unicodedata.normalize("NFKC", text).lower()
    folded = _KEEP_DECIMAL.sub("\x00", folded)
    return _NON_ALNUM_KEEP_MARK.sub("", folded).replace("\x00", ".")


@lru_cache(maxsize=8192)
def whole_name(name: str, flags: int = 0) -> re.Pattern[str]:
    """``name`` where it is not part of a longer word or hyphenated compound.

    >>> bool(whole_name("LoRA").search("QLoRA and LoRA-based")), bool(whole_name("LoRA").search("a LoRA."))
    (False, True)
    """
    return re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])", flags)


def whole_name_starts(name: str, text: str, start: int = 0) -> Iterator[int]:
    """Where ``name`` stands in ``text`` (from ``start`` on) not inside a longer word
    or hyphenated compound: the starts of ``whole_name(name).finditer(text, start)``,
    found with ``str.find`` instead of compiling a pattern for each new name (most
    names a build looks for are seen once, so a cache of patterns rarely helps).

    >>> list(whole_name_starts("LoRA", "QLoRA, LoRA-based, LoRA and LoRA."))
    [19, 28]
    """
    if not name:
        yield from (m.start() for m in whole_name(name).finditer(text, start))
        return
    size, length = len(name), len(text)
    at = text.find(name, start)
    while at >= 0:
        end = at + size
        if (at == 0 or not _word_char(text[at - 1])) and \
                (end == length or not _word_char(text[end])):
            yield at
            at = text.find(name, end)
        else:
            at = text.find(name, at + 1)


def _word_char(char: str) -> bool:
    """A character of ``[\\w-]``: what the regular expression module counts as part of
    a word (letters, digits and numerals of any script, ``_``), or a hyphen."""
    return char.isalnum() or char == "_" or char == "-"


def squash_space(text: str) -> str:
    """Collapse runs of white space to one space and strip the ends."""
    return _SPACE.sub(" ", text).strip()


_MAYBE_NAME = re.compile(r".[A-Z]|\d")  # a capital after the first letter, or a digit
#: "1-D", "3D": a number of dimensions, not a name
_DIMENSIONS = re.compile(r"^\d-?D$")
#: acronyms of model classes: an ordinary word joined to one is an adjective
#: compound ("human-LLM collaboration", "a multi-LLM framework")
_CLASS_ACRONYMS = frozenset({"LLM", "VLM", "MLLM", "LVLM"})
#: "systems.In": two sentences glued where a space is missing
_GLUED_SENTENCES = re.compile(r"^[a-z]+\.[A-Z][a-z]+$")
#: a participle or adjective that ends a compound describing something else
#: ("LLM-Empowered", "LLMs-Driven", "Decoder-Only")
_DESCRIBING_LAST = re.compile(r"^[A-Z][a-z]+ed$|^(?:Driven|Aware|Free|Only)$")
#: the last word of a hyphenated benchmark name: "Spec-Bench", "Tele-Eval"
_BENCHMARK_WORDS = frozenset({"Bench", "Eval", "Arena"})
_PLURAL_ACRONYM = re.compile(r"[A-Z]{2,}s$")
#: lower-case suffixes that make a variant of a name ("HARDMath-mini", "Qwen-chat")
VARIANT_WORDS = frozenset({"mini", "small", "base", "large", "lite", "pro", "instruct", "chat",
                           "tiny", "turbo", "plus", "max", "nano", "micro", "medium", "xl",
                           "hard", "easy", "lite", "zero", "coder", "math", "vision", "v"})


def is_name_like(word: str) -> bool:
    """Does a single glued word look like a coined name (CamelCase, digits, all caps)?

    Hyphenated compounds of ordinary words ("Real-Time", "ID-based",
    "LLM-generated"), plural acronyms ("LLMs", "GNNs") and URLs are not names.

    >>> [is_name_like(w) for w in ["ExpertFlow", "vLLM", "T5", "MMLU", "MIDI-LLM"]]
    [True, True, True, True, True]
    >>> [is_name_like(w) for w in ["method", "However", "Real-Time", "ID-based", "SpeechLMs"]]
    [False, False, False, False, False]
    >>> [is_name_like(w) for w in ["Spec-Bench", "Tele-Eval", "Self-Evaluation", "long-Eval"]]
    [True, True, False, False]
    >>> [is_name_like(w) for w in ["-7B", "~1B", "1-D", "Human-LLM", "multi-LLM", "prefix-LM"]]
    [False, False, False, False, False, True]
    >>> [is_name_like(w) for w in ["LLM-Empowered", "systems.In", "OnPrem.LLM", "SAM-Decoding",
    ...                            "BERT-Large-Uncased"]]
    [False, False, True, True, True]
    """
    if len(word) < 2 or not word[0].isalnum() or not _MAYBE_NAME.search(word):
        return False  # a name starts with a letter or digit: not "-7B", "~1B"
    if _DIMENSIONS.match(word) or _GLUED_SENTENCES.match(word):
        return False
    if "://" in word or word.startswith("www.") or "--" in word or "@" in word:
        return False
    parts = [p for p in word.split("-") if p]
    if len(parts) > 1:
        last = parts[-1]
        if last.isalpha() and last.islower() and len(last) >= 3 and last not in VARIANT_WORDS:
            return False  # "ID-based", "ECG-specific"; not "HARDMath-mini"
        if all(p.isalpha() and (p.islower() or p.istitle()) for p in parts):
            # "Real-Time", "Speech-to-Entity"; but "Spec-Bench", "Tele-Eval" name benchmarks
            return last in _BENCHMARK_WORDS and parts[0][0].isupper()
        if len(parts) == 2 and _DESCRIBING_LAST.match(last):
            return False  # "LLM-Empowered", "LLMs-Driven"; not "SAM-Decoding"
        if len(parts) == 2 and parts[1] in _CLASS_ACRONYMS and parts[0].isalpha() and \
                (parts[0].islower() or parts[0].istitle()):
            return False  # "Human-LLM", "single-LLM"; not "MIDI-LLM", "prefix-LM"
    if _PLURAL_ACRONYM.search(word):
        return False  # a plural acronym names a class: "LLMs", "GNNs", "SpeechLMs"
    has_digit = any(c.isdigit() for c in word)
    inner_upper = any(c.isupper() for c in word[1:])
    return inner_upper or (has_digit and word[0].isalpha())
