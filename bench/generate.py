"""Deterministic synthetic corpus of ML-paper abstracts, for benchmarking paperkg.

    python bench/generate.py 100000 /tmp/corpus-100k.jsonl --seed 0

Writes N JSON Lines records ``{"id": "gen-<n>", "title", "abstract", "date",
"authors"}``. The same arguments (with the same paperkg sample corpus and
curated resource) give a byte-identical file.

How a record is made:

- The 572 abstracts of the bundled sample corpus are split into sentences; each
  sentence is kept with its relative position (first, early, middle, late,
  last). An abstract is a first sentence followed by sentences drawn from the
  later positions in order, so it reads like an abstract; its length follows
  the sample corpus's distribution of sentence counts.
- In every sentence (and title) the names of curated entities (models,
  datasets, benchmarks, named techniques, with their aliases) and the unknown
  system-like names (``ExpertFlow``, ``Qwen2-VL`` style) are slots. Per paper,
  a known-name slot keeps its name, gets another curated name of the same type,
  or gets a coined name of that type the resource does not know (``Velora-7B``,
  ``KestroBench``, ``Adaptive Token Routing (ATR)``), drawn from a shared,
  skewed pool so that some coined names recur across papers (support > 1).
  Unknown-name slots get the paper's own coined name (what it proposes) or
  another coined name. One paper maps the same original name to the same
  replacement, so an abstract stays consistent with itself and its title.
- Titles are recombined sample titles; many get a ``Name: subtitle`` form with
  the paper's coined name.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

# --------------------------------------------------------------------------------------
# source material


_ABBREV = re.compile(
    r"(?:\b(?:e\.g|i\.e|et al|etc|vs|cf|Fig|Figs|Eq|Eqs|Sec|No|approx|resp|Dr|Mr|Ms)\.|\b[A-Z]\.)$"
)
_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])")
#: unknown names that look like a system, model or benchmark name
_NEW_NAME = re.compile(
    r"(?<![\w\-(])("
    r"[A-Z][a-z]+(?:[A-Z][A-Za-z0-9]*)+(?:-[A-Z0-9][A-Za-z0-9.]*)*"  # ExpertFlow, MiniCPM-V
    # Qwen2, Mamba-2
    r"|[A-Z][A-Za-z]*[a-z][A-Za-z]*-?\d+(?:\.\d+)?[A-Za-z]*(?:-[A-Z][A-Za-z0-9]*)*"
    r")(?![\w\-])"
)
_PROPOSAL = re.compile(r"\b(?:we|We) (?:propose|introduce|present|develop|release)\b")
_TITLE_PREFIX = re.compile(r"^([^:]{2,40}):\s+(\S.*)$")

TYPES = ("Model", "Dataset", "Benchmark", "Technique")
#: slot kinds: a curated entity of a type, or an unknown system-like name
NEW = "New"


@dataclass(frozen=True)
class Template:
    """A sentence (or title) split into literal text and slots.

    ``parts`` alternates literal strings and slot tuples ``(kind, key, original text)``.
    """

    parts: tuple
    has_new: bool
    proposal: bool


def split_sentences(text: str) -> list[str]:
    """Sentences of an abstract (simple rules; enough for recombination)."""
    pieces = _SPLIT.split(text.strip())
    out: list[str] = []
    for piece in pieces:
        if out and _ABBREV.search(out[-1]):
            out[-1] = out[-1] + " " + piece
        else:
            out.append(piece)
    return [s for s in out if s]


class Vocabulary:
    """Curated names (for slots and substitutes) and a test for unknown names."""

    def __init__(self, resources) -> None:
        self.resources = resources
        self.surface_type: dict[str, str] = {}
        self.surface_entity: dict[str, str] = {}
        self.names_by_type: dict[str, list[str]] = {t: [] for t in TYPES}
        for entity in resources.entities:
            if entity.kind != "named":
                continue
            etype = entity.type.value
            self.names_by_type[etype].append(entity.name)
            for surface in entity.names:
                if len(surface) < 3 or not any(ch.isupper() for ch in surface):
                    continue
                self.surface_type.setdefault(surface, etype)
                self.surface_entity.setdefault(surface, entity.name)
        for names in self.names_by_type.values():
            names.sort()
        alternatives = sorted(self.surface_type, key=lambda s: (-len(s), s))
        self.known = re.compile(
            r"(?<![\w\-])(" + "|".join(re.escape(s) for s in alternatives) + r")(?![\w\-]|\.\w)"
        )

    def unknown(self, name: str) -> bool:
        return self.resources.lookup(name) is None and not self.resources.is_stopped(name)


def _paren_depths(text: str) -> list[int]:
    depths, depth = [], 0
    for ch in text:
        if ch == "(":
            depth += 1
        depths.append(depth)
        if ch == ")":
            depth = max(0, depth - 1)
    return depths


def make_template(text: str, vocab: Vocabulary) -> Template:
    """Slots for the curated and the unknown system-like names of ``text``.

    A slot is ``(kind, key, original text)``: ``key`` is the curated entity's
    name (so its aliases map together) or the unknown name itself. A long form
    followed by its short form in parentheses ("Low-Rank Adaptation (LoRA)") is
    one slot. Unknown names inside parentheses are left alone (they are often
    parts of an acronym's long form).
    """
    spans: list[tuple[int, int, str, str]] = []
    for match in vocab.known.finditer(text):
        surface = match.group(1)
        spans.append((match.start(1), match.end(1), vocab.surface_type[surface],
                      vocab.surface_entity[surface]))
    depths = _paren_depths(text)
    for match in _NEW_NAME.finditer(text):
        start, end = match.span(1)
        if depths[start] or any(s < end and start < e for s, e, _, _ in spans):
            continue
        name = match.group(1)
        if vocab.unknown(name):
            spans.append((start, end, NEW, name))
    spans.sort()
    merged: list[tuple[int, int, str, str]] = []
    for span in spans:
        if merged:
            start, end, kind, key = merged[-1]
            if (kind == span[2] and key == span[3] and text[end:span[0]] == " ("
                    and text[span[1]:span[1] + 1] == ")"):
                merged[-1] = (start, span[1] + 1, kind, key)
                continue
        merged.append(span)
    parts: list = []
    last = 0
    for start, end, kind, key in merged:
        parts.append(text[last:start])
        parts.append((kind, key, text[start:end]))
        last = end
    parts.append(text[last:])
    slots = [i for i, p in enumerate(parts) if isinstance(p, tuple) and p[0] == NEW]
    proposal = False
    if slots:
        before = "".join(p for p in parts[:slots[0]] if isinstance(p, str))
        proposal = bool(_PROPOSAL.search(before))
    return Template(tuple(parts), bool(slots), proposal)


class Source:
    """Sentence templates by position, title templates and the length distribution."""

    BUCKETS = 5  # first, early, middle, late, last

    def __init__(self, papers, resources) -> None:
        vocab = Vocabulary(resources)
        self.vocab = vocab
        self.by_bucket: list[list[Template]] = [[] for _ in range(self.BUCKETS)]
        self.proposals: list[Template] = []
        self.lengths: list[int] = []
        self.titles: list[Template] = []
        self.subtitles: list[Template] = []
        for paper in papers:
            sentences = split_sentences(paper.abstract)
            if len(sentences) < 2:
                continue
            self.lengths.append(min(len(sentences), 14))
            for index, sentence in enumerate(sentences):
                template = make_template(sentence, vocab)
                self.by_bucket[self._bucket(index, len(sentences))].append(template)
                if template.proposal and 0 < index < 4:
                    self.proposals.append(template)
            title = " ".join(paper.title.split())
            match = _TITLE_PREFIX.match(title)
            if match:
                self.subtitles.append(make_template(match.group(2), vocab))
            else:
                self.titles.append(make_template(title, vocab))
        self.lengths.sort()

    @classmethod
    def _bucket(cls, index: int, count: int) -> int:
        if index == 0:
            return 0
        if index == count - 1:
            return 4
        return 1 + min(2, (3 * (index - 1)) // max(1, count - 2))


# --------------------------------------------------------------------------------------
# coined names


_SYLLABLES = (
    "ka", "lo", "ri", "ven", "tor", "mi", "sa", "zen", "qua", "dra", "lu", "fi", "nex", "ora",
    "vy", "mo", "tex", "pha", "zo", "gra", "bel", "cor", "dyn", "el", "io", "tra", "vel", "xa",
    "sol", "mer", "pi", "ro", "ny", "kel", "ar", "bri", "chi", "del", "fen", "gal", "har", "ix",
    "jun", "kor", "lin", "mar", "nor", "os", "pel", "quin", "ras", "sen", "tal", "um", "var",
    "wen", "yor", "zu", "tri", "ble", "cra", "dro", "ful", "gor", "hel", "ith", "kra", "lom",
)
_MODEL_TAILS = ("Former", "Net", "Mind", "Coder", "Gen", "Vision", "LM", "GPT", "Diff", "Mamba",
                "Agent", "Reasoner", "Chat", "Voice", "Seg", "Fusion", "Omni", "Math", "Nav")
_MODEL_SUFFIX = ("", "", "", "-7B", "-13B", "-70B", "-1.5B", "-2", "-3", "-V", "-Instruct",
                 "-Mini", "-XL", "2", "-R1", "-Pro")
_BENCH_TAILS = ("Bench", "Bench", "-Bench", "QA", "-QA", "Eval", "Arena", "Test", "-Hard")
_DATA_TAILS = ("Corpus", "-1M", "-10M", "-Instruct", "Set", "-500K", "Pile", "-Web", "Stack")
_TECH_WORDS = (
    "Adaptive", "Sparse", "Gradient", "Token", "Routing", "Contrastive", "Hierarchical",
    "Latent", "Residual", "Temporal", "Spectral", "Dynamic", "Recursive", "Curriculum",
    "Preference", "Reward", "Memory", "Attention", "Distillation", "Alignment", "Decoding",
    "Quantization", "Pruning", "Merging", "Retrieval", "Diffusion", "Calibration", "Guidance",
    "Optimization", "Augmentation", "Sampling", "Fusion", "Projection", "Compression",
)
_TECH_HEADS = ("Attention", "Tuning", "Optimization", "Distillation", "Decoding", "Alignment",
               "Routing", "Regularization", "Sampling", "Training", "Adaptation", "Merging")


class Coiner:
    """Coins names the curated resource does not know; never the same name twice."""

    def __init__(self, rnd: random.Random, vocab: Vocabulary) -> None:
        self.rnd = rnd
        self.vocab = vocab
        self.used: set[str] = set()

    def _stem(self) -> str:
        rnd = self.rnd
        word = "".join(rnd.choice(_SYLLABLES) for _ in range(rnd.choice((2, 2, 3))))
        return word.capitalize()

    def coin(self, kind: str) -> str:
        for _ in range(1000):
            name = self._candidate(kind)
            key = name.lower()
            if key not in self.used and self.vocab.unknown(name.split(" (")[0]):
                self.used.add(key)
                return name
        raise RuntimeError(f"cannot coin a new {kind} name")

    def _candidate(self, kind: str) -> str:
        rnd = self.rnd
        stem = self._stem()
        if kind in ("Model", NEW):
            shape = rnd.random()
            if shape < 0.45:
                return stem + rnd.choice(_MODEL_TAILS) + rnd.choice(_MODEL_SUFFIX)
            if shape < 0.8:
                return stem + rnd.choice(_MODEL_SUFFIX[3:])
            return stem + rnd.choice(_MODEL_TAILS)
        if kind == "Benchmark":
            if rnd.random() < 0.25:
                size = rnd.choice((2, 3))
                letters = "".join(rnd.choice("ABCDEFGHKLMPRSTVWX") for _ in range(size))
                return letters + rnd.choice(("Bench", "-Bench", "-QA", "Eval"))
            return stem + rnd.choice(_BENCH_TAILS)
        if kind == "Dataset":
            return stem + rnd.choice(_DATA_TAILS)
        # Technique: a long form with its acronym, or a coined one-word name
        if rnd.random() < 0.6:
            words = rnd.sample(_TECH_WORDS, rnd.choice((1, 2)))
            words.append(rnd.choice(_TECH_HEADS))
            if len(set(words)) < len(words):
                words = [*dict.fromkeys(words)]
                words.append(stem)
            return " ".join(words) + " (" + "".join(w[0] for w in words).upper() + ")"
        return stem + rnd.choice(("PO", "Prune", "Merge", "Quant", "Attn", "Tune", "RL"))


class Pool:
    """A fixed list of coined names, drawn with a skew (a few names are common)."""

    def __init__(self, names: list[str]) -> None:
        self.names = names

    def draw(self, rnd: random.Random) -> str:
        # u**2.5 puts most draws on the first names: a long tail of rare ones
        return self.names[int(len(self.names) * rnd.random() ** 2.5)]


# --------------------------------------------------------------------------------------
# records

_FIRST = ("Wei", "Anna", "Rahul", "Sofia", "Jun", "Maria", "Ahmed", "Elena", "Kenji", "Laura",
          "Yuki", "Omar", "Chen", "Priya", "Lucas", "Hana", "David", "Mei", "Ivan", "Fatima",
          "Noah", "Zhang", "Aisha", "Pablo", "Sara", "Tomás", "Olga", "Min-jun", "Lea", "Arjun")
_LAST = ("Li", "Wang", "Smith", "García", "Kim", "Nguyen", "Müller", "Rossi", "Tanaka", "Patel",
         "Chen", "Ivanova", "Silva", "Cohen", "Kowalski", "Haddad", "Zhou", "Sato", "Dubois",
         "Okafor", "Larsen", "Novak", "Singh", "Moreau", "Costa", "Yilmaz", "Park", "Liu", "Ali")


def _fill(template: Template, mapping: dict, choose) -> str:
    out = []
    for part in template.parts:
        if isinstance(part, str):
            out.append(part)
        else:
            out.append(choose(part, mapping))
    return "".join(out)


class Generator:
    """Makes records one at a time from one random stream."""

    def __init__(self, n: int, seed: int, papers=None, resources=None) -> None:
        if papers is None or resources is None:
            from paperkg.extract.resources import load_resources
            from paperkg.ingest import read_inputs

            papers = read_inputs(None).papers if papers is None else papers
            resources = load_resources() if resources is None else resources
        self.source = Source(papers, resources)
        self.rnd = random.Random(f"paperkg-bench:{seed}")
        self.coiner = Coiner(self.rnd, self.source.vocab)
        # shared pools of coined names: they grow with the corpus, so the number of
        # distinct entities per paper stays about the same at every size
        self.pools = {
            kind: Pool([self.coiner.coin(kind) for _ in range(max(60, n // size))])
            for kind, size in (("Model", 60), ("Dataset", 200), ("Benchmark", 120),
                               ("Technique", 80), (NEW, 40))
        }
        self.known = self.source.vocab.names_by_type

    def _choose(self, slot: tuple[str, str, str], mapping: dict) -> str:
        kind, key, text = slot
        if key not in mapping:
            mapping[key] = self._replacement(kind, key, mapping)
        name = mapping[key]
        if name is None:  # kept: the original words, alias and long form included
            return text
        if " (" in name:  # a coined technique: "Long Form (LF)" the first time, "LF" after
            mapping[key] = name.split(" (")[1][:-1]
        return name

    def _replacement(self, kind: str, key: str, mapping: dict) -> str | None:
        rnd = self.rnd
        if kind == NEW:
            if not mapping.get("\0primary used"):
                mapping["\0primary used"] = True
                return mapping["\0primary"]
            return self.pools[NEW].draw(rnd) if rnd.random() < 0.5 else self.coiner.coin(NEW)
        roll = rnd.random()
        if roll < 0.5:
            return None
        if roll < 0.75:
            name = rnd.choice(self.known[kind])
            return None if name == key else name
        return self.pools[kind].draw(rnd)

    def _sentences(self) -> list[Template]:
        rnd = self.rnd
        source = self.source
        count = rnd.choice(source.lengths)
        middle = sorted(rnd.choices((1, 2, 3), k=max(0, count - 2)))
        chosen = [rnd.choice(source.by_bucket[0])]
        chosen += [rnd.choice(source.by_bucket[b]) for b in middle]
        chosen.append(rnd.choice(source.by_bucket[4]))
        if source.proposals and not any(t.has_new for t in chosen) and rnd.random() < 0.7:
            chosen.insert(min(len(chosen) - 1, rnd.choice((1, 1, 2))),
                          rnd.choice(source.proposals))
        return chosen

    def record(self, index: int) -> dict:
        rnd = self.rnd
        source = self.source
        primary = self.pools[NEW].draw(rnd) if rnd.random() < 0.3 else self.coiner.coin(NEW)
        mapping: dict = {"\0primary": primary}
        sentences = self._sentences()
        abstract = " ".join(_fill(t, mapping, self._choose) for t in sentences)
        if rnd.random() < 0.55:
            subtitle = _fill(rnd.choice(source.subtitles), mapping, self._choose)
            title = f"{primary}: {subtitle}"
        else:
            title = _fill(rnd.choice(source.titles), mapping, self._choose)
        day = rnd.randrange(7 * 365)
        year, rest = 2018 + day // 365, day % 365
        month, dom = 1 + rest // 31 % 12, 1 + rest % 28
        authors = [f"{rnd.choice(_FIRST)} {rnd.choice(_LAST)}"
                   for _ in range(rnd.choice((1, 2, 3, 3, 4, 4, 5, 6, 8)))]
        return {
            "id": f"gen-{index}",
            "title": title,
            "abstract": abstract,
            "date": f"{year:04d}-{month:02d}-{dom:02d}",
            "authors": authors,
        }


def generate(n: int, out: str | Path, seed: int = 0) -> Path:
    """Write ``n`` records to ``out`` (atomically); the same arguments give the same bytes."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    gen = Generator(n, seed)
    tmp = out.with_name(out.name + ".tmp")
    with open(tmp, "w", encoding="utf-8", newline="\n") as stream:
        for index in range(n):
            stream.write(json.dumps(gen.record(index), ensure_ascii=False) + "\n")
    tmp.replace(out)
    return out


def fingerprint() -> str:
    """Hash of what the output depends on: this file, the sample corpus and the resource."""
    from paperkg.extract.resources import load_resources
    from paperkg.ingest import read_inputs

    digest = hashlib.sha256(Path(__file__).read_bytes())
    for paper in read_inputs(None).papers:
        digest.update(paper.title.encode() + b"\0" + paper.abstract.encode() + b"\0")
    resources = load_resources()
    for entity in resources.entities:
        digest.update(repr((entity.name, entity.type.value, entity.kind, entity.aliases)).encode())
    digest.update(repr(sorted(resources.stoplist)).encode())
    return digest.hexdigest()[:16]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of papers")
    parser.add_argument("out", help="output .jsonl file")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("n must be >= 1")
    start = time.perf_counter()
    generate(args.n, args.out, args.seed)
    print(f"wrote {args.n} papers to {args.out} in {time.perf_counter() - start:.1f} s",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
