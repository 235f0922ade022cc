"""Ambiguous short forms and near-duplicate labels, held to the plainer loops they
replaced (each compared every pair or every paper per short form) on random corpora."""

from __future__ import annotations

import random
from collections import Counter, defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from paperkg.extract.text import match_key, name_key
from paperkg.records import Entity, EntityType, Extraction, Mention, Paper
from paperkg.resolve.clusters import acronym_senses
from paperkg.resolve.curation import (
    MIN_SIMILARITY,
    NearDuplicates,
    near_duplicate_labels,
    near_duplicates,
)


def _old_acronym_senses(extractions):
    long_forms, per_paper, surfaces = defaultdict(Counter), {}, {}
    for extraction in extractions:
        for mention in extraction.mentions:
            if mention.rule != "acronym" or mention.resource_id or not mention.aliases:
                continue
            short, long = mention.text, mention.aliases[0]
            if len(long) < len(short):
                continue
            key, long_key = name_key(short), name_key(long)
            per_paper.setdefault((mention.paper_key, key), long_key)
            long_forms[key][long_key] += 1
            surfaces.setdefault(long_key, long)
    senses, ambiguous = {}, {}
    for key, counts in long_forms.items():
        ranked = sorted(counts, key=lambda k: (-counts[k], k))
        majority = ranked[0]
        if not [k for k in ranked if fuzz.ratio(k, majority) < 85]:
            continue
        ambiguous[key] = tuple(surfaces[k] for k in ranked)
        for (paper_key, short_key), long_key in per_paper.items():
            if short_key == key and fuzz.ratio(long_key, majority) < 85:
                senses[(paper_key, short_key)] = long_key
    return senses, ambiguous


def _old_near_duplicates(entities, limit=500):
    blocks = defaultdict(list)
    for entity in entities:
        key = match_key(entity.label)
        if len(key) >= 4:
            blocks[(entity.type.value, key[:3])].append(entity)
    pairs = []
    for members in blocks.values():
        members = sorted(members, key=lambda e: e.label)
        for i, first in enumerate(members):
            for second in members[i + 1 : i + 50]:
                score = fuzz.ratio(name_key(first.label), name_key(second.label))
                if score >= MIN_SIMILARITY and first.label != second.label:
                    pairs.append((first.label, second.label, round(score, 1)))
    pairs.sort(key=lambda p: (-p[2], p[0], p[1]))
    return tuple(pairs[:limit])


_LONG_WORDS = ["Sparse", "Expert", "Routing", "Spectral", "Routed", "Graph", "Network",
               "Search", "Model", "Models"]


def _acronym(rng: random.Random, paper: str, rule: str) -> Mention:
    short = rng.choice(["SER", "SEM", "GN", "SPR", "SERs"])
    long = " ".join(rng.choice(_LONG_WORDS) for _ in range(rng.randrange(1, 4)))
    return Mention(paper, short, EntityType.TECHNIQUE, "named", "abstract", 0, len(short),
                   "s.", rule, 0.8, aliases=(long,) if rng.random() < 0.9 else (),
                   resource_id="SER" if rng.random() < 0.05 else None)


@pytest.mark.parametrize("seed", range(4))
def test_acronym_senses_are_those_of_the_loop_over_every_paper(seed):
    rng = random.Random(seed)
    extractions = []
    for i in range(150):
        paper = Paper(f"id:{i}", f"Paper {i}", "Text.")
        mentions = tuple(_acronym(rng, paper.key, rng.choice(["acronym", "acronym", "proposal"]))
                         for _ in range(rng.randrange(4)))
        extractions.append(Extraction(paper, mentions, ()))
    senses, ambiguous = acronym_senses(extractions)
    old_senses, old_ambiguous = _old_acronym_senses(extractions)
    assert ambiguous == old_ambiguous and len(ambiguous) >= 2
    assert list(senses.items()) == list(old_senses.items()) and len(senses) > 10


@pytest.mark.parametrize("seed", range(4))
def test_near_duplicates_are_those_of_the_loop_over_every_pair(seed):
    rng = random.Random(seed)
    bases = ["HumanEval", "LiveCodeBench", "MathVista", "GSM8K", "Llama-2", "AlpacaEval"]
    labels = [rng.choice(bases) + rng.choice(["", "+", "-2", "s", " Pro", "X", "-Hard", "v2"])
              + rng.choice(["", "", "1", "Z"]) for _ in range(1500)]
    entities = [Entity(label, label, rng.choice([EntityType.BENCHMARK, EntityType.MODEL]),
                       "named", (), 1) for label in labels]
    pairs = near_duplicates(entities, limit=10**6)
    assert pairs == _old_near_duplicates(entities, limit=10**6) and len(pairs) > 500
    # a build sends (type, label) pairs to its helper process, in its entities' order
    typed = [(e.type.value, e.label) for e in entities]
    rng.shuffle(typed)
    assert near_duplicate_labels(typed, limit=10**6) == pairs
    assert near_duplicate_labels(typed) == near_duplicates(entities) == pairs[:500]


_LABELS = ["GPT-4", "GPT4", "Llama-2-Chat", "Llama 2 Chat", "Mistral-Instruct",
           "Mistral-Instructs", "Mixtral-Instruct", "DeepSeekCoder", "DeepSeek-Coders", "MMLU",
           "MMLU-Pro", "Qwen2-Math", "Qwen-2-Math"]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["Model", "Benchmark"]), st.sampled_from(_LABELS)),
                max_size=12),
       st.data())
def test_near_duplicates_looked_at_again_by_block_are_those_of_every_label(typed, data):
    removed = data.draw(st.lists(st.sampled_from(typed), unique_by=lambda t: t, max_size=4)) \
        if typed else []
    added = data.draw(st.lists(st.tuples(st.sampled_from(["Model", "Benchmark"]),
                                         st.sampled_from(_LABELS)), max_size=4))
    after = list(typed)
    for pair in removed:
        after.remove(pair)
    after += added
    assert NearDuplicates.of(typed).changed(removed, added).top() == \
        near_duplicate_labels(after)


def test_near_duplicates_of_a_changed_block_are_found_again():
    before = NearDuplicates.of([("Model", "Mistral-Instruct"), ("Model", "GPT-4")])
    after = before.changed([], [("Model", "Mistral-Instructs")])
    assert after.top() == (("Mistral-Instruct", "Mistral-Instructs", 96.8),)
    assert before.top() == () and after.changed([("Model", "Mistral-Instructs")], []).top() == ()
