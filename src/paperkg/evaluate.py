"""Scoring extraction against gold annotations (``../shared/gold/`` format).

Matching follows the contract: a predicted entity matches a gold one when any
of its label or altLabels equals the gold name or one of its aliases after
lowercasing and removing every character that is not a letter or digit. The
pairing is one-to-one and as large as possible (a maximum bipartite matching, so
the order of the entities does not matter). Typed scores also need the type to
agree. Precision counts every entity a paper ``pk:mentions``. A gold lineage end
may be written as any name or alias of a gold entity.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

from paperkg.errors import InputError
from paperkg.extract.pipeline import Extractor, Settings
from paperkg.extract.resources import Resources, load_resources
from paperkg.extract.text import match_key
from paperkg.ingest.record import MAX_ABSTRACT_CHARS, MAX_TITLE_CHARS
from paperkg.ingest.text import clean
from paperkg.records import EntityType, Paper, Relation, Resolution
from paperkg.resolve import resolve
from paperkg.resolve.merges import load_merges


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
    """True positives, false positives and false negatives, with P/R/F1.

    A ratio with nothing to count (precision without predictions, recall without
    gold items, F1 with neither) is 0.0 here and None (``-`` in the table) in
    :meth:`as_dict`.
    """

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

    def defined(self) -> tuple[float | None, float | None, float | None]:
        """Precision, recall and F1, each None when it has nothing to count."""
        return (self.precision if self.tp + self.fp else None,
                self.recall if self.tp + self.fn else None,
                self.f1 if self.tp + self.fp + self.fn else None)

    def as_dict(self) -> dict:
        precision, recall, f1 = (_rounded(r) for r in self.defined())
        return {"precision": precision, "recall": recall, "f1": f1,
                "tp": self.tp, "fp": self.fp, "fn": self.fn}


def _rounded(ratio: float | None) -> float | None:
    return None if ratio is None else round(ratio, 3)


def _cell(ratio: float | None) -> str:
    """A ratio for the table: three decimals, or "-" when it is undefined."""
    return "-" if ratio is None else f"{ratio:.3f}"


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
            "named_recall": _rounded(self.named_recall.defined()[1]),
            "proposed": self.proposed.as_dict(),
            "lineage": self.lineage.as_dict(),
        }


def load_gold(path: str | Path) -> list[GoldPaper]:
    """Read a gold JSONL file; a malformed line is an :class:`InputError` naming it."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path} is a folder; give the gold JSON Lines file")
    if not path.exists():
        raise InputError(f"no such gold file: {path}")
    papers = []
    try:  # a pipe (`paperkg evaluate <(...)`) reads like a file
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(f"{path} is not UTF-8 text ({err.reason})") from err
    except OSError as err:
        raise InputError(f"cannot read gold file {path}: {err.strerror or err}") from err
    lines_of: dict[str, int] = {}
    # JSON Lines ends lines with "\n" only: U+2028 or U+0085 may sit inside a string
    for number, line in enumerate(text.split("\n"), 1):
        line = line.removesuffix("\r")
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
    """The :class:`GoldPaper` of one line; text is cleaned as ``build`` cleans it."""
    record_id = row["id"]
    if isinstance(record_id, bool) or not isinstance(record_id, (str, int)):
        raise _NotGold(f"id must be a string (got {json.dumps(record_id)})")
    title = _gold_text(row, "title", MAX_TITLE_CHARS)
    abstract = _gold_text(row, "abstract", MAX_ABSTRACT_CHARS)
    entities = tuple(_gold_entity(e) for e in row["entities"])
    lineage = []
    for link in row.get("lineage", ()):
        ends = link["child"], link["parent"]
        if not all(isinstance(end, str) for end in ends):
            raise _NotGold("lineage child and parent must be entity names (strings), not "
                           f"{json.dumps(ends[0])} <- {json.dumps(ends[1])}")
        lineage.append((clean(ends[0]), clean(ends[1])))
    return GoldPaper(clean(str(record_id)), title, abstract, entities, tuple(lineage))


def _gold_text(row: dict, key: str, limit: int) -> str:
    """A title or abstract, cleaned; one longer than ``build`` reads is refused."""
    value = row.get(key, "")
    if not isinstance(value, str):
        raise _NotGold(f"{key} must be a string")
    text = clean(value)
    if len(text) > limit:
        raise _NotGold(f"{key} too long ({len(text):,} characters; build skips {key}s "
                       f"over {limit:,})")
    return text


def _gold_entity(e: dict) -> GoldEntity:
    name, aliases = e["name"], e.get("aliases", [])
    if not isinstance(name, str) or not clean(name):
        raise _NotGold(f"entity name {json.dumps(name)} must be a non-empty string")
    if e["type"] not in _TYPES:
        raise _NotGold(f"entity {name!r} has type {e['type']!r}; the types are "
                       f"{', '.join(_TYPES)}")
    if not isinstance(e.get("proposed", False), bool):
        raise _NotGold(f"proposed of {name!r} must be true or false")
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise _NotGold(f"aliases of {name!r} must be a list of names, not "
                       f"{json.dumps(aliases)}")
    return GoldEntity(clean(name), e["type"], e.get("kind", "named"),
                      frozenset(match_key(n) for n in (name, *aliases)),
                      bool(e.get("proposed", False)))


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


def _pair(predicted: Sequence, gold: Sequence, linked, bonus=None) -> tuple[list, list, list]:
    """A largest one-to-one matching of the items ``linked(p, g)`` allows to pair:
    the matched (predicted, gold) pairs, and the unmatched predicted and gold items.

    Among the largest matchings, one with the highest sum of ``bonus(p, g)`` is
    taken. The size does not depend on the order of the items (the order only
    decides between equally good matchings).

    >>> _pair("ab", "AB", lambda p, g: p == "a" or g == "A")[0]
    [('a', 'B'), ('b', 'A')]
    """
    graph = nx.Graph()
    for i, item in enumerate(predicted):
        for j, hit in enumerate(gold):
            if linked(item, hit):
                weight = 1 + (bonus(item, hit) if bonus is not None else 0)
                graph.add_edge(("p", i), ("g", j), weight=weight)
    partner = {}
    for u, v in nx.max_weight_matching(graph, maxcardinality=True):
        (_, i), (_, j) = (u, v) if u[0] == "p" else (v, u)
        partner[i] = j
    matched = set(partner.values())
    return ([(predicted[i], gold[partner[i]]) for i in sorted(partner)],
            [item for i, item in enumerate(predicted) if i not in partner],
            [hit for j, hit in enumerate(gold) if j not in matched])


def _entity_pairs(predicted: Sequence[Predicted], gold: Sequence[GoldEntity],
                  typed: bool = False) -> tuple[list, list, list]:
    """:func:`_pair` of entities sharing a key (and, if ``typed``, their type).

    Between equally large pairings, pairs whose types agree come first, then those
    whose label is the gold name ("Sloth" with gold Sloth, leaving its alias
    "SSLaws" as the extra entity), so the details show the likely mistakes."""
    def linked(p: Predicted, g: GoldEntity) -> bool:
        return bool(p.keys & g.keys) and (not typed or p.type == g.type)

    def bonus(p: Predicted, g: GoldEntity) -> int:
        return 2 * (p.type == g.type) + (match_key(p.label) == match_key(g.name))

    return _pair(predicted, gold, linked, bonus)


def _match(predicted: Sequence[Predicted], gold: Sequence[GoldEntity],
           typed: bool = False) -> tuple[Score, list, list]:
    """The score of :func:`_entity_pairs`, with the unmatched predicted and gold items."""
    pairs, missed_pred, free = _entity_pairs(predicted, gold, typed)
    return Score(len(pairs), len(missed_pred), len(free)), missed_pred, free


def _type_disagreements(predicted: Sequence[Predicted], gold: Sequence[GoldEntity]) -> list[str]:
    """The entities found whose type is not the gold one ("SNNMatmul: Model, gold
    Technique"), paired as the untyped score pairs them."""
    return [f"{item.label}: {item.type}, gold {hit.type}"
            for item, hit in _entity_pairs(predicted, gold)[0] if hit.type != item.type]


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
    resolution = resolve(extractions, resources, load_merges(resource_dirs))  # as build does
    predicted = predictions(resolution)
    lineage = _lineage_by_paper(resolution, resources)
    result = Evaluation(papers=len(gold))
    for g in gold:
        mine = predicted.get(f"id:{g.id}", [])
        untyped, fp, fn = _match(mine, g.entities)
        result.untyped.add(untyped)
        result.typed.add(_match(mine, g.entities, typed=True)[0])
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
    (``child <- parent``).

    A gold end stands for the gold entity it names, with all that entity's names
    and aliases; a predicted end has all its entity's names. An edge matches when
    both ends share a name, in a largest one-to-one matching."""
    expected = [(_gold_end(c, gold.entities), _gold_end(p, gold.entities), f"{c} <- {p}")
                for c, p in gold.lineage]
    pairs, wrong, free = _pair(predicted, expected,
                               lambda p, g: bool(p[0] & g[0]) and bool(p[1] & g[1]))
    score = Score(len(pairs), len(wrong), len(free))
    return score, [shown for _, _, shown in wrong], [shown for _, _, shown in free]


def _gold_end(name: str, entities: Sequence[GoldEntity]) -> frozenset[str]:
    """The match keys of a gold lineage end: those of the gold entity it names
    (by name first, else by alias), or its own key when it names none."""
    key = match_key(name)
    if not key:  # nothing to match ("+"): like a predicted name without a key
        return frozenset()
    named = [e.keys for e in entities if match_key(e.name) == key]
    known = named or [e.keys for e in entities if key in e.keys]
    return frozenset().union(*known) if known else frozenset({key})


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
        cells = " ".join(f"{_cell(ratio):>6}" for ratio in s.defined())
        lines.append(f"{name:12} {cells} {s.tp:5d} {s.fp:5d} {s.fn:5d}")
    lines.append(f"named-entity recall (untyped): {_cell(result.named_recall.defined()[1])}")
    return "\n".join(lines)
