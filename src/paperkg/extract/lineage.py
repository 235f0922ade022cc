"""Derivations the text states: "Vicuna, a model based on LLaMA", "QLoRA extends LoRA",
"we fine-tune Vicuna to obtain Flacuna", "we extend PPO to ...".

Comparison ("outperforms X", "compared with X") and co-mention are not lineage.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from paperkg.extract.text import name_key
from paperkg.extract.candidates import Candidate, state
from paperkg.records import EntityType

# child ... CUE ... parent
_DERIVE_CUE = (
    r"(?:based on|built (?:up)?on(?: top of)?|building (?:up)?on|derived from|"
    r"fine-?tuned (?:from|on)|finetuned (?:from|on)|initiali[sz]ed (?:from|with)|"
    r"distilled from|adapted from|trained from|evolve[sd]? from|"
    r"an? (?:extension|variant|generali[sz]ation|improvement|modification|adaptation) of|"
    r"(?:higher-order |simple |natural )?(?:extensions|variants|generali[sz]ations) of|"
    r"an? (?:adapted|modified|extended|improved|enhanced|augmented|generali[sz]ed)(?: version of)?|"
    r"(?:that|which) (?:extends|augments|improves (?:up)?on|generali[sz]es|modifies|"
    r"builds (?:up)?on|adapts)|"
    r"extends|extending|improves (?:up)?on|generali[sz]es|augments)"
)
FORWARD = re.compile(
    r"^[\s,()\"'\u201d]*(?:(?:is|are|was|which is|,)\s+)?(?:(?:a|an|the)\s+)?(?:[\w-]+\s+){0,5}?"
    + _DERIVE_CUE
    + r"\s+(?:(?:the|a|an)\s+)?(?:(?:conventional|standard|vanilla|original|popular|"
    r"widely used|existing|previous|prior)\s+)?"
    # the parent's own head noun may stand before it: "the previous linear attention
    # architecture TransNormer"
    r"(?:(?:[\w-]+\s+){0,3}?(?:architecture|model|method|framework|algorithm)\s+|"
    r"(?:[\w-]+\s+){0,1}?)$",
    re.IGNORECASE,
)
# parent ... CUE ... child   ("fine-tuning Vicuna to obtain Flacuna", "a LLaMA-based
# model for Portuguese named Bode")
BACKWARD = re.compile(
    r"^\s*(?:model\s+)?(?:,\s*)?(?:to (?:obtain|produce|create|get|derive|build)|yielding|"
    r"resulting in|giving|which (?:we call|yields))\s+(?:(?:a|an|the|our)\s+)?(?:[\w-]+\s+){0,2}?$"
    r"|^-based\s+(?:(?!(?:with|and|or|but|while|whereas)\s)[\w-]+\s+){1,5}?"
    r"(?:named|called|dubbed|termed)\s+$",
    re.IGNORECASE,
)
# the paper's proposed entity from a parent: "we extend PPO", "by fine-tuning Vicuna"
EXTENDS_PARENT = re.compile(
    r"\b(?:we (?:extend|build (?:up)?on|improve (?:up)?on|adapt|generali[sz]e|modify|augment)|"
    r"(?:by|through|via) (?:fine-?tuning|finetuning|extending|adapting|distilling)|"
    r"builds? (?:up)?on|extends|(?:is )?built (?:up)?on(?: top of)?|based on|fine-?tuned from|"
    r"initiali[sz]ed from)\s+"
    r"(?:(?:the|a|an)\s+)?$",
    re.IGNORECASE,
)
# "the previous linear attention architecture TransNormer": "linear attention" only
# modifies the head noun of the name that follows, the parent
_NAMED_HEAD_AFTER = re.compile(r"\s+(?:[\w-]+\s+){0,2}?(?:architecture|model|method|framework|"
                               r"algorithm)\s+[A-Z]")
# "SVD-LLM, a new SVD-based LLM compression method": child, appositive, parent "-based"
APPOSITIVE_BASED = re.compile(r"^\s*,\s+(?:a|an|the)\s+(?:[\w-]+\s+){0,2}?$", re.IGNORECASE)
# "our developed critique model built on Qwen2.5": the paper's own work is the subject
_OUR_WORK = re.compile(r"\bour\s+(?:[\w-]+\s+){0,3}?(?:(?:is|was)\s+)?(?:built|based|fine-?tuned|"
                       r"finetuned|initiali[sz]ed)\b", re.IGNORECASE)
# "DistAttention, a novel distributed attention algorithm": a new name whose
# appositive is a kind of a known technique is a variant of it
APPOSITIVE_KIND = re.compile(r"^\s*,\s+(?:a|an)\s+(?:[\w-]+\s+){0,3}?$", re.IGNORECASE)
KIND_HEAD = re.compile(
    r"(?:\s+(?:algorithm|mechanism|variant|method|technique|approach|tokenizer|"
    r"architecture|framework|layer|module|scheme)s?\b|\s*[,;.]|\s+(?:that|which|for|to|with)\b)",
    re.IGNORECASE)
# "EdgeMoE, the first inference engine tailored for MoE LLMs", "MC-MoE: Mixture
# Compressor for MoE-LLMs": a name described as made for another serves it, and is
# no variant of it, whatever its name is formed from
SERVES = re.compile(
    r"^\s*(?:,\s+(?:is\s+)?(?:a|an|the)|:)\s+(?:[\w-]+\s+){0,6}?for\s+(?:the\s+)?"
    r"(?:[\w-]+\s+){0,2}?$",
    re.IGNORECASE,
)
_CALLED = re.compile(r"^\s*[(,]?\s*(?:called|named|dubbed|termed)\s+$", re.IGNORECASE)
_VERSION_OF = re.compile(r"\b(?:version|variant|extension|adaptation|modification)\s+of\s+"
                         r"(?:the\s+)?$", re.IGNORECASE)
#: a second object introduced between our name and a cue: the cue is that object's
_ANOTHER_OBJECT = re.compile(r",\s+and\s+(?:the\s+|a\s+|an\s+)?[A-Z]")
_CONTRAST = re.compile(r"\b(?:unlike|in contrast to|different from|rather than|instead of)\b",
                       re.IGNORECASE)
_COMPARISON = re.compile(r"\b(outperform|compared|than|versus|vs\.?|against|surpass)", re.I)
MAX_GAP = 80
#: parts of an architecture a new mechanism named after one modifies
_MECHANISMS = frozenset({"attention", "normalization", "normalisation", "convolution",
                         "embedding", "embeddings", "activation", "recurrence"})
#: the last word of a name, or its last capitalised part: "Attention" in "SeerAttention"
_LAST_PART = re.compile(r"[A-Z][a-z]{3,}$")


_WORKS = (EntityType.MODEL, EntityType.TECHNIQUE)
_DATA = (EntityType.BENCHMARK, EntityType.DATASET)


def _compatible(child: Candidate, parent: Candidate) -> bool:
    """A stated derivation may link models and techniques either way (a model built
    on a technique, a method built on a model), and data to data; never a model
    or technique to a data set or benchmark, or back."""
    if child.text == parent.text or child.type is None or parent.type is None:
        return False
    return (child.type in _WORKS) == (parent.type in _WORKS)


def _kind_of(child: Candidate, parent: Candidate) -> bool:
    """May a new name whose appositive calls it a kind of ``parent`` derive from it?
    A named technique, yes ("ECG-Byte, an adapted BPE tokenizer"); a concept only
    when the child's name carries its head word ("DistAttention, a distributed
    attention algorithm"): "MaskLLM, a learnable pruning method" is one of many
    pruning methods, not a variant of pruning."""
    if child.known is not None or parent.type is not EntityType.TECHNIQUE or \
            not _compatible(child, parent):
        return False
    if parent.kind == "named":
        return True
    head = re.findall(r"[a-z]+", parent.text.lower())[-1:]
    return bool(head) and head[0].rstrip("s") in child.text.lower()


def _based_on_named(text: str, gap: str, parent: Candidate) -> bool:
    """"SVD-LLM, a new SVD-based LLM compression method": the appositive is based on
    a named technique or model. Not on a concept ("the first linear attention-based
    LLM" is one of many)."""
    return parent.kind == "named" and text.startswith("-based", parent.end) and \
        APPOSITIVE_BASED.match(gap) is not None


def _version_called(text: str, parent: Candidate, gap: str) -> bool:
    """"a hybrid version of MKOR (called MKOR-H)": the name given to a version of the
    parent derives from it."""
    return _CALLED.match(gap) is not None and \
        _VERSION_OF.search(text, max(0, parent.start - 60), parent.start) is not None


def _may_derive(child: Candidate) -> bool:
    """An established technique of the field ("pruning", "speculative decoding") does
    not derive from something because one paper's sentence says so; a named or
    new entity may."""
    return not (child.known is not None and child.kind == "concept")


class StatedLineage:
    """``Doc -> Doc``: fills ``state(doc).lineage`` with (child, parent, evidence, rule).

    Rule "serves" says the child is made for the parent and does not derive from
    it: resolution reads no lineage off their names.
    """

    def __call__(self, doc: Doc) -> Doc:
        current = state(doc)
        by_sentence: dict[int, list[Candidate]] = {}
        for candidate in current.candidates:
            by_sentence.setdefault(current.sentence_index(candidate.start), []).append(candidate)
        proposed = [c for c in current.candidates if c.proposed]
        for index, members in by_sentence.items():
            bounds = current.sentences[index] if current.sentences else (0, len(current.text))
            evidence = current.text[bounds[0] : bounds[1]].strip()
            self._pairs(current, members, evidence)
            self._from_proposed(current, members, proposed, bounds, evidence)
        self._long_forms(current)
        self._named_after_a_mechanism(current)
        return doc

    def _named_after_a_mechanism(self, current) -> None:
        """A new name the paper proposes that ends in a mechanism of the architecture
        the paper names is a variant of it: "Recycled Attention", "SeerAttention",
        "S2-Attention" from attention. Not a kind of method: "Dynamic Context
        Pruning" is one of many pruning methods, not a change to pruning."""
        mechanisms = {c.text.lower(): c for c in current.candidates
                      if c.kind == "concept" and c.text.lower() in _MECHANISMS}
        if not mechanisms:
            return
        for child in current.candidates:
            if not child.proposed or child.known is not None or child.rule == "acronym":
                continue
            last = _LAST_PART.search(child.text)
            parent = mechanisms.get(last.group().lower()) if last else None
            if parent is not None and last.start() > 0 and child.type is parent.type:
                evidence = current.sentence_text(child.start)
                current.lineage.append((child.text, parent.text, evidence, "naming"))

    def _long_forms(self, current) -> None:
        """An acronym whose long form ends with another name derives from it:
        "retrieval-augmented SLM (ReSLM)" from SLM, "Quantized LoRA (QLoRA)" from LoRA.
        Not "LLaMA-based Vision Model": the name must be the long form's head."""
        named = {name_key(c.text): c for c in current.candidates if c.kind == "named"}
        by_text: dict[str, list[tuple[int, Candidate]]] = {}  # in the order of ``named``
        for order, parent in enumerate(named.values()):
            by_text.setdefault(parent.text, []).append((order, parent))
        for candidate in current.candidates:
            long = candidate.text
            if candidate.rule != "acronym" or not candidate.aliases or " " not in long:
                continue
            child = named.get(name_key(candidate.aliases[0]))
            if child is None:
                continue
            # the names the long form ends with, after a space or hyphen, first named first
            heads = sorted(pair for at, char in enumerate(long) if char in " -"
                           for pair in by_text.get(long[at + 1 :], ()))
            for _order, parent in heads:
                if parent is not child and _compatible(child, parent):
                    evidence = current.sentence_text(candidate.start)
                    current.lineage.append((candidate.aliases[0], parent.text, evidence, "naming"))
                    break

    def _pairs(self, current, members: list[Candidate], evidence: str) -> None:
        """Pairs of names joined by a derivation cue; when several names before one
        cue could be the child ("RecLLM, a large-scale CRS ... built on LaMDA"), the
        first, the subject of the appositive, is."""
        claimed: set[int] = set()
        for i, first in enumerate(members):
            for second in members[i + 1 :]:
                if second.start - first.end > MAX_GAP:
                    break  # the candidates are apart and in text order: the rest are farther
                gap = current.text[first.end : second.start]
                if _COMPARISON.search(gap):
                    continue
                if SERVES.match(gap) and first.known is None:
                    current.lineage.append((first.text, second.text, evidence, "serves"))
                elif APPOSITIVE_KIND.match(gap) and _kind_of(first, second) and \
                        KIND_HEAD.match(current.text, second.end):
                    current.lineage.append((first.text, second.text, evidence, "stated"))
                    claimed.add(second.start)
                elif (FORWARD.match(gap) or _based_on_named(current.text, gap, second)) \
                        and _compatible(first, second) and _may_derive(first) and \
                        not _NAMED_HEAD_AFTER.match(current.text, second.end):
                    if second.start not in claimed:
                        current.lineage.append((first.text, second.text, evidence, "stated"))
                        claimed.add(second.start)
                elif (BACKWARD.match(gap) or _version_called(current.text, first, gap)) and \
                        _compatible(second, first) and _may_derive(second):
                    current.lineage.append((second.text, first.text, evidence, "stated"))

    def _from_proposed(self, current, members, proposed, bounds, evidence: str) -> None:
        if not proposed:
            return
        start, end = bounds
        here = [c for c in proposed if start <= c.start < end]
        child = (here or proposed)[0]
        # "we use Vicuna, a model based on LLaMA": LLaMA is Vicuna's parent, not ours
        taken = {parent for _, parent, said, rule in current.lineage
                 if said == evidence and rule == "stated"}
        for parent in members:
            if parent.proposed or parent.text == child.text or parent.text in taken:
                continue
            before = current.text[max(start, parent.start - 60) : parent.start]
            cue = EXTENDS_PARENT.search(before)
            if cue is None or not _compatible(child, parent):
                continue
            if _CONTRAST.search(current.text, start, parent.start):
                continue  # "Unlike previous methods based on ICL, MR ..."
            if child.end <= parent.start and \
                    _ANOTHER_OBJECT.search(current.text, child.end, parent.start):
                continue  # "the QK-score, derived from ..., and the Attention Score, based on"
            said_by_us = re.search(r"\bwe\b|\b(?:by|through|via)\b", cue.group(), re.IGNORECASE) \
                or re.search(r"\bwe\b", evidence, re.IGNORECASE) or _OUR_WORK.search(before)
            if said_by_us or here:
                current.lineage.append((child.text, parent.text, evidence, "proposal"))


@Language.factory("paperkg_lineage")
def make_stated_lineage(nlp: Language, name: str) -> StatedLineage:
    """spaCy factory of :class:`StatedLineage`."""
    return StatedLineage()
