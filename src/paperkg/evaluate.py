"""Scoring extraction against gold annotations (``../shared/gold/`` format).

Matching follows the contract: a predicted entity matches a gold one when any
of its label or altLabels equals the gold name or one of its aliases after
lowercasing and removing every character that is not a letter or digit. Each
gold entity is matched at most once (greedily, in order). Typed scores also need
the type to agree. Precision counts every entity a paper ``pk:mentions``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from paperkg.errors import InputError
from paperkg.extract.pipeline import Extractor, Settings
from paperkg.extract.resources import Resources, load_resources
from paperkg.extract.text import match_key
from paperkg.records import EntityType, Paper, Relation, Resolution
from paperkg.resolve import resolve


@dataclass(frozen=True)
class GoldEntity:
    name: str
    type: str
    kind: str
    keys: frozenset[str]
    proposed: bool


@dataclass(frozen=True)
class GoldPaper:
    id: str
    title: str
    abstract: str
    entities: tuple[GoldEntity, ...]
    lineage: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Predicted:
    label: str
    type: str
    keys: frozenset[str]
    proposed: bool


@dataclass
class Score:
    """True positives, false positives and false negatives, with P/R/F1."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: Score) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    def as_dict(self) -> dict:
        return {"precision": round(self.precision, 3), "recall": round(self.recall, 3),
                "f1": round(self.f1, 3), "tp": self.tp, "fp": self.fp, "fn": self.fn}


@dataclass
class Evaluation:
    """All scores of one evaluation run, plus per-paper errors for inspection."""

    papers: int = 0
    untyped: Score = field(default_factory=Score)
    typed: Score = field(default_factory=Score)
    per_type: dict[str, Score] = field(default_factory=dict)
    named_recall: Score = field(default_factory=Score)
    proposed: Score = field(default_factory=Score)
    lineage: Score = field(default_factory=Score)
    errors: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "papers": self.papers,
            "untyped": self.untyped.as_dict(),
            "typed": self.typed.as_dict(),
            "per_type": {t: s.as_dict() for t, s in sorted(self.per_type.items())},
            "named_recall": round(self.named_recall.recall, 3),
            "proposed": self.proposed.as_dict(),
            "lineage": self.lineage.as_dict(),
        }


def load_gold(path: str | Path) -> list[GoldPaper]:
    """Read a gold JSONL file; a malformed line is an :class:`InputError` naming it."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path} is a folder; give the gold JSON Lines file")
    if not path.is_file():
        raise InputError(f"no such gold file: {path}")
    papers = []
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise InputError(f"{path} is not UTF-8 text ({err.reason})") from err
    lines_of: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise InputError(f"{path}:{number}: invalid JSON ({err.msg})") from err
        try:
            paper = _gold_paper(row)
        except (KeyError, TypeError, AttributeError, _NotGold) as err:
            raise InputError(f"{path}:{number}: not a gold record: {_gold_problem(row, err)}; "
                             "see `paperkg evaluate --help` for the format") from err
        if paper.id in lines_of:  # papers are matched to predictions by id
            raise InputError(f"{path}:{number}: id {paper.id!r} is already the id of line "
                             f"{lines_of[paper.id]}; each gold paper needs its own id")
        lines_of[paper.id] = number
        papers.append(paper)
    if not papers:
        raise InputError(f"no gold papers in {path}")
    return papers


class _NotGold(ValueError):
    """A gold line whose values have the wrong type (the message says which)."""


_TYPES = tuple(t.value for t in EntityType)


def _gold_paper(row: dict) -> GoldPaper:
    for key in ("title", "abstract"):
        if not isinstance(row.get(key, ""), str):
            raise _NotGold(f"{key} must be a string")
    for e in row["entities"]:
        if e["type"] not in _TYPES:
            raise _NotGold(f"entity {e['name']!r} has type {e['type']!r}; the types are "
                           f"{', '.join(_TYPES)}")
        if not isinstance(e.get("proposed", False), bool):
            raise _NotGold(f"proposed of {e['name']!r} must be true or false")
    entities = tuple(
        GoldEntity(e["name"], e["type"], e.get("kind", "named"),
                   frozenset(match_key(n) for n in (e["name"], *e.get("aliases", ()))),
                   bool(e.get("proposed", False)))
        for e in row["entities"])
    lineage = tuple((link["child"], link["parent"]) for link in row.get("lineage", ()))
    return GoldPaper(str(row["id"]), row["title"], row["abstract"], entities, lineage)


def _gold_problem(row: object, err: Exception) -> str:
    """What is wrong with a gold line, in the words of the format."""
    if not isinstance(row, dict):
        return "expected a JSON object with id, title, abstract, entities and lineage"
    if isinstance(err, _NotGold):
        return str(err)
    missing = [key for key in ("id", "title", "abstract", "entities") if key not in row]
    if missing:
        return f"missing {', '.join(missing)}"
    if isinstance(err, KeyError):
        return f"an entity or lineage link lacks {err}"
    return "entities must be a list of objects with name and type, lineage a list of " \
           "objects with child and parent"


def _pair(predicted: Sequence, gold: Sequence, same=lambda p, g: True) -> tuple[list, list, list]:
    """Greedy one-to-one matching on shared keys: the matched (predicted, gold) pairs,
    and the unmatched predicted and gold items."""
    free = list(gold)
    pairs, missed_pred = [], []
    for item in predicted:
        hit = next((g for g in free if item.keys & g.keys and same(item, g)), None)
        if hit is None:
            missed_pred.append(item)
        else:
            pairs.append((item, hit))
            free.remove(hit)
    return pairs, missed_pred, free


def _match(predicted: Sequence, gold: Sequence, same=lambda p, g: True) -> tuple[Score, list, list]:
    """The score of :func:`_pair`'s matching, with the unmatched predicted and gold items."""
    pairs, missed_pred, free = _pair(predicted, gold, same)
    return Score(len(pairs), len(missed_pred), len(free)), missed_pred, free


def _type_disagreements(predicted: Sequence[Predicted], gold: Sequence[GoldEntity]) -> list[str]:
    """The entities found whose type is not the gold one ("SNNMatmul: Model, gold
    Technique"), paired as the untyped score pairs them."""
    return [f"{item.label}: {item.type}, gold {hit.type}"
            for item, hit in _pair(predicted, gold)[0] if hit.type != item.type]


def predictions(resolution: Resolution) -> dict[str, list[Predicted]]:
    """Per paper key, every entity it mentions, with all its names."""
    proposed = {(k.paper_key, k.entity_key) for k in resolution.links
                if k.relation is Relation.PROPOSES}
    result: dict[str, list[Predicted]] = {}
    for link in resolution.links:
        if link.relation is not Relation.MENTIONS:
            continue
        entity = resolution.entities[link.entity_key]
        keys = frozenset(match_key(n) for n in (entity.label, *entity.aliases)) - {""}
        result.setdefault(link.paper_key, []).append(
            Predicted(entity.label, entity.type.value, keys,
                      (link.paper_key, link.entity_key) in proposed))
    return result


def evaluate(gold_path: str | Path, resource_dirs: Sequence[str] = ()) -> Evaluation:
    """Extract and resolve the gold papers as one corpus and score the result."""
    gold = load_gold(gold_path)
    papers = [Paper(f"id:{g.id}", g.title, g.abstract, record_id=g.id) for g in gold]
    resources = load_resources(resource_dirs)
    extractions = Extractor(Settings(resource_dirs=tuple(resource_dirs))).extract(papers)
    resolution = resolve(extractions, resources)
    predicted = predictions(resolution)
    lineage = _lineage_by_paper(resolution, resources)
    result = Evaluation(papers=len(gold))
    for g in gold:
        mine = predicted.get(f"id:{g.id}", [])
        untyped, fp, fn = _match(mine, g.entities)
        result.untyped.add(untyped)
        result.typed.add(_match(mine, g.entities, lambda p, e: p.type == e.type)[0])
        for entity_type in ("Model", "Dataset", "Benchmark", "Technique"):
            score = _match([p for p in mine if p.type == entity_type],
                           [e for e in g.entities if e.type == entity_type])[0]
            result.per_type.setdefault(entity_type, Score()).add(score)
        named = _match(mine, [e for e in g.entities if e.kind == "named"])[0]
        result.named_recall.add(Score(named.tp, 0, named.fn))
        proposed, proposed_fp, proposed_fn = _match([p for p in mine if p.proposed],
                                                    [e for e in g.entities if e.proposed])
        result.proposed.add(proposed)
        lineage_score, lineage_fp, lineage_fn = _score_lineage(lineage.get(f"id:{g.id}", []), g)
        result.lineage.add(lineage_score)
        result.errors.append({"id": g.id, "title": g.title,
                              "false_positives": [f"{p.label} ({p.type})" for p in fp],
                              "false_negatives": [f"{e.name} ({e.type})" for e in fn],
                              "type_disagreements": _type_disagreements(mine, g.entities),
                              "proposed_false_positives": [p.label for p in proposed_fp],
                              "proposed_false_negatives": [e.name for e in proposed_fn],
                              "lineage_false_positives": lineage_fp,
                              "lineage_false_negatives": lineage_fn})
    return result


#: a predicted lineage edge: the child's and the parent's match keys, and a readable form
PredictedEdge = tuple[frozenset, frozenset, str]


def _lineage_by_paper(resolution: Resolution,
                      resources: Resources) -> dict[str, list[PredictedEdge]]:
    """Lineage edges each paper supports: those it states, or whose child's name it
    forms from the parent's, when it names both ends.

    An edge only the curated resource gives ("RoBERTa derives from BERT") is in the
    graph, but it is not the paper's: the guidelines ask for derivations the text
    states or clearly implies, so it is not scored as one. Nor is an edge read off
    the names of two entities the field knows (Llama-2 from LLaMA in a paper that
    names both): the paper does not say it; it is the field's knowledge."""
    names = {k: frozenset(match_key(n) for n in (e.label, *e.aliases))
             for k, e in resolution.entities.items()}
    curated = {k for k, e in resolution.entities.items()
               if resources.lookup(e.label) is not None}
    mentioned: dict[str, set[str]] = {}
    for link in resolution.links:
        mentioned.setdefault(link.paper_key, set()).add(link.entity_key)
    result: dict[str, list] = {}
    for paper, keys in mentioned.items():
        for edge in resolution.lineage:
            if edge.rule == "curated" or (edge.rule == "naming" and
                                          edge.child in curated):
                continue
            if paper in edge.papers and edge.child in keys and edge.parent in keys:
                shown = (f"{resolution.entities[edge.child].label} <- "
                         f"{resolution.entities[edge.parent].label}")
                result.setdefault(paper, []).append((names[edge.child], names[edge.parent], shown))
    return result


def _score_lineage(
    predicted: list[PredictedEdge], gold: GoldPaper
) -> tuple[Score, list[str], list[str]]:
    """The score of a paper's lineage edges, its false positives and false negatives
    (``child <- parent``)."""
    free = [(match_key(c), match_key(p), f"{c} <- {p}") for c, p in gold.lineage]
    score = Score()
    wrong: list[str] = []
    for child_keys, parent_keys, shown in predicted:
        hit = next((pair for pair in free if pair[0] in child_keys and pair[1] in parent_keys),
                   None)
        if hit is None:
            score.fp += 1
            wrong.append(shown)
        else:
            score.tp += 1
            free.remove(hit)
    score.fn = len(free)
    return score, wrong, [shown for _, _, shown in free]


def format_evaluation(result: Evaluation) -> str:
    """A readable table of the scores."""
    rows = [("untyped", result.untyped), ("typed", result.typed)]
    rows += [(f"  {t}", s) for t, s in sorted(result.per_type.items())]
    rows += [("proposed", result.proposed), ("lineage", result.lineage)]
    lines = [f"papers: {result.papers}",
             f"{'':12} {'P':>6} {'R':>6} {'F1':>6} {'tp':>5} {'fp':>5} {'fn':>5}"]
    for name, s in rows:
        # a ratio with nothing to count is undefined, not 0: "-" (no prediction of
        # a type has no precision; a type the gold never has, no recall)
        precision = f"{s.precision:6.3f}" if s.tp + s.fp else f"{'-':>6}"
        recall = f"{s.recall:6.3f}" if s.tp + s.fn else f"{'-':>6}"
        lines.append(f"{name:12} {precision} {recall} {s.f1:6.3f} "
                     f"{s.tp:5d} {s.fp:5d} {s.fn:5d}")
    lines.append(f"named-entity recall (untyped): {result.named_recall.recall:.3f}")
    return "\n".join(lines)
