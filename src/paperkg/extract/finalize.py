"""The last extraction step: settle overlaps, type leftovers, mark evaluation use."""

from __future__ import annotations

from bisect import bisect_left, insort

from collections.abc import Sequence

from spacy.language import Language
from spacy.tokens import Doc

from paperkg.extract.cues import EVALUATION_CUE, TRAINING_CUE
from paperkg.extract.candidates import RULE_PRIORITY, Candidate, DocState, state
from paperkg.extract.resources import Resources, load_resources
from paperkg.extract.text import name_key
from paperkg.records import EntityType



class Finalizer:
    """``Doc -> Doc``: one candidate per text position, all typed, proposals and
    evaluation use marked. The result is ``state(doc).candidates``."""

    def __init__(self, resources: Resources):
        self.resources = resources

    def __call__(self, doc: Doc) -> Doc:
        current = state(doc)
        kept = [c for c in current.candidates if self._allowed(c, current)]
        chosen = _without_overlaps(kept)
        current.candidates = [self._settle(doc, current, c) for c in chosen]
        return doc

    def _allowed(self, candidate: Candidate, current: DocState) -> bool:
        if current.in_url(candidate.start, candidate.end):
            return False
        key = name_key(candidate.text)
        if candidate.known is not None:
            # a short form the text defines otherwise means what the text says
            return candidate.rule != "gazetteer" or key not in current.redefined
        if key in current.blocked:
            return False
        if candidate.rule != "acronym" and self.resources.is_stopped(candidate.text):
            return False  # (the acronym detector has already weighed the stoplist)
        return len(key) >= 2

    def _settle(self, doc: Doc, current: DocState, candidate: Candidate) -> Candidate:
        keys = {name_key(candidate.text), *(name_key(a) for a in candidate.aliases)}
        proposed = candidate.proposed or bool(keys & current.proposed) or (
            candidate.known is None and _variant_of_proposed(candidate.text, current.proposed)) or (
            candidate.rule == "acronym" and _built_on_proposed(candidate, current.proposed))
        entity_type = candidate.type or EntityType.TECHNIQUE
        evaluated = False
        if entity_type in (EntityType.BENCHMARK, EntityType.DATASET):
            sentence = current.sentence_text(candidate.start)
            evaluated = EVALUATION_CUE.search(sentence) is not None and \
                TRAINING_CUE.search(sentence) is None
            if evaluated and entity_type is EntityType.DATASET and candidate.known is None:
                # a data set the paper evaluates on is a benchmark (annotation guidelines)
                entity_type = EntityType.BENCHMARK
            evaluated = evaluated and not proposed
        return candidate.with_(type=entity_type, proposed=proposed, evaluated=evaluated)


def _variant_of_proposed(text: str, proposed: set[str]) -> bool:
    """A variant the paper names after its own proposal ("HARDMath-mini" of "HARDMath")."""
    head, sep, _ = text.rpartition("-")
    return bool(sep) and bool(head) and name_key(head) in proposed


def _built_on_proposed(candidate: Candidate, proposed: set[str]) -> bool:
    """An acronym whose long form ends with the paper's own name is the paper's own too:
    "this retrieval-augmented SLM (ReSLM)" after "we propose ... (SLM)"."""
    for name in (candidate.text, *candidate.aliases):
        words = name.replace("-", " ").split()
        if len(words) > 1 and name_key(words[-1]) in proposed:
            return True
    return False


def _without_overlaps(candidates: list[Candidate]) -> list[Candidate]:
    """Keep the longest candidate where spans overlap (rule priority breaks ties)."""
    ranked = sorted(
        candidates,
        key=lambda c: (-(c.end - c.start), -RULE_PRIORITY.get(c.rule, 0), c.start, c.text),
    )
    taken: list[tuple[int, int]] = []  # sorted; no two overlap
    chosen: list[Candidate] = []
    for candidate in ranked:
        if _overlaps_taken(taken, candidate.start, candidate.end):
            continue
        insort(taken, (candidate.start, candidate.end))
        chosen.append(candidate)
    return sorted(chosen, key=lambda c: (c.start, c.end))


def _overlaps_taken(taken: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether ``start:end`` overlaps a span of ``taken`` (sorted, pairwise apart): only
    the last span that starts before ``end`` can, so a long list of names stays linear.

    >>> _overlaps_taken([(0, 3), (5, 9)], 3, 5), _overlaps_taken([(0, 3), (5, 9)], 4, 6)
    (False, True)
    """
    i = bisect_left(taken, (end, end))
    while i and taken[i - 1][0] >= end:  # spans starting at ``end`` with a larger end
        i -= 1
    return bool(i) and start < taken[i - 1][1] and taken[i - 1][0] < end


@Language.factory("paperkg_finalize", default_config={"resource_dirs": []})
def make_finalizer(nlp: Language, name: str, resource_dirs: Sequence[str]) -> Finalizer:
    """spaCy factory of :class:`Finalizer`."""
    return Finalizer(load_resources(resource_dirs))
