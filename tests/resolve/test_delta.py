"""An update's entities from the earlier resolution's aggregates and the new papers
(:mod:`paperkg.resolve.delta`) are those of resolving every paper."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import replace
from itertools import permutations
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from paperkg.ingest.collect import read_inputs
from paperkg.records import EntityType, Extraction, LineageClaim, Mention, Paper
from paperkg.resolve.delta import (
    ClusterStats,
    Fallback,
    _stats_row,
    advance_state,
    delta_entities,
    delta_lineage,
    delta_links,
    load_resolution_state,
    resolution_state,
    resolve_keeping,
    save_resolution_state,
    update_input,
)
from paperkg.resolve.resolver import (
    _clusters,
    _entities,
    _entity,
    _Index,
    _long_key,
    resolve,
    voted_type,
)
from paperkg.resolve.spread import SpreadState, spread_names, spread_update


@pytest.fixture(scope="module")
def sample(extractor):
    """The bundled corpus's extractions, as extraction makes them (no spread)."""
    return extractor.extract(read_inputs(None, "auto").papers)


def _full(extractions, resources):
    """Entities by cluster root and the ambiguous short forms of resolving everything."""
    index = _Index(extractions, resources, ())
    return _entities(_clusters(extractions, index.roots()), resources), index.ambiguous


def _update(extractions, earlier: int, resources, folder: Path | None = None, *,
            local: bool = True):
    """(delta entities, full entities) of an update adding ``extractions[earlier:]``
    to a build of the others, each spread as a build and an update spread them.
    The delta's links, with the earlier build's for the papers it leaves, are
    checked against resolving every paper's."""
    before = spread_names(extractions[:earlier], resources.is_stopped)
    state = resolution_state(before, resources)
    if folder is not None:  # the state as the next update reads it from the build's folder
        save_resolution_state(state, folder / "state")
        kept, state = state, load_resolution_state(folder / "state")
        assert (state.lineage, state.spread.coined, state.spread.words) == (
            kept.lineage, kept.spread.coined, kept.spread.words)
        assert state.lineage and state.spread.coined
    spread = spread_names(before + list(extractions[earlier:]), resources.is_stopped, earlier)
    update = update_input(spread, before, earlier)
    delta = delta_entities(state, update, resources)
    links = delta_links(state, delta, update)
    full = resolve(spread, resources, spread=False, curation=False)
    lineage, entities = delta_lineage(state, delta, update, resources)
    assert lineage == full.lineage
    assert {entity.key: entity for entity in entities.values()} == full.entities
    expected = _by_paper(full.links)
    earlier_links = _by_paper(resolve(before, resources, spread=False, curation=False).links)
    merged = {**earlier_links, **links}
    assert {paper: found for paper, found in merged.items() if found} == expected
    if local:  # a real corpus: the update redoes the links of fewer papers than it has
        assert len(links) < len(expected) or earlier < 2
    full_entities = _full(spread, resources)
    # the state the next update starts from (the update's own is taken over)
    _assert_same_state(advance_state(state, delta, update, lineage, resources.is_stopped),
                       resolution_state(spread, resources))
    return delta, full_entities


def _assert_same_state(advanced, full) -> None:
    """The states are the same, but for orders nothing reads and the naming cache's
    entries for labels gone."""
    assert (advanced.papers, advanced.order, advanced.merges) == (
        full.papers, full.order, full.merges)
    mine, theirs = advanced.acronyms, full.acronyms
    assert (dict(mine.long_forms), mine.per_paper, dict(mine.surfaces)) == (
        dict(theirs.long_forms), theirs.per_paper, dict(theirs.surfaces))
    assert {k: set(v) for k, v in mine.papers_of.items()} == {
        k: set(v) for k, v in theirs.papers_of.items()}
    assert (advanced.senses, advanced.ambiguous) == (full.senses, full.ambiguous)
    differ = {node: (advanced.parent.get(node), full.parent.get(node))
              for node in advanced.parent.keys() | full.parent.keys()
              if advanced.parent.get(node) != full.parent.get(node)}
    assert not differ
    assert set(advanced.clusters) == set(full.clusters)
    for root in full.clusters:
        assert _stats_row(advanced.clusters[root]) == _stats_row(full.clusters[root]), root
    assert (advanced.drafts, advanced.bases, advanced.entities) == (
        full.drafts, full.bases, full.entities)
    assert advanced.papers_of == full.papers_of
    assert (advanced.stating, advanced.lineage) == (full.stating, full.lineage)
    assert all(advanced.names[name] == found for name, found in full.names.items())
    assert dict(advanced.spread.coined) == dict(full.spread.coined)
    assert advanced.spread.words == full.spread.words


def _by_paper(links) -> dict[str, tuple]:
    grouped = defaultdict(list)
    for link in links:
        grouped[link.paper_key].append(link)
    return {paper: tuple(found) for paper, found in grouped.items()}


def test_cluster_aggregates_make_each_clusters_entity_as_its_mentions_do(sample, resources):
    index = _Index(sample, resources, ())
    clusters = _clusters(sample, index.roots())
    assert sum(len(mentions) > 1 for mentions in clusters.values()) > 100
    for mentions in clusters.values():
        stats = ClusterStats().extend(mentions)
        assert stats.draft(resources) == _entity(mentions, resources)
        assert stats.long_key == _long_key(mentions)
        at_once = ClusterStats.of(mentions)
        assert {name: getattr(at_once, name) for name in ClusterStats.__slots__} == \
            {name: getattr(stats, name) for name in ClusterStats.__slots__}


@pytest.mark.parametrize("earlier", [1, 150, 300, 450, 540, 571])
def test_an_updates_entities_are_those_of_resolving_every_paper(sample, resources, earlier):
    delta, (entities, ambiguous) = _update(sample, earlier, resources)
    assert delta.entities == entities
    assert delta.ambiguous == ambiguous
    assert len(delta.touched) < len(entities)


def test_updates_of_random_papers_give_the_full_entities_or_say_why_not(sample, resources):
    outcomes = Counter()
    for seed in range(8):
        picked = set(random.Random(seed).sample(range(len(sample)), 30))
        order = [e for i, e in enumerate(sample) if i not in picked] + \
            [sample[i] for i in sorted(picked)]
        try:
            delta, (entities, ambiguous) = _update(order, len(order) - 30, resources)
        except Fallback:
            outcomes["fallback"] += 1
            continue
        assert (delta.entities, delta.ambiguous) == (entities, ambiguous)
        outcomes["same"] += 1
    assert outcomes["same"] >= 6, outcomes  # the aggregates follow most updates


def _paper(key: str, text: str) -> Paper:
    return Paper(key, text, text)


def _acronym(paper: str, short: str, long: str, confidence: float = 0.9) -> Mention:
    return Mention(paper, short, EntityType.TECHNIQUE, "named", "abstract", 0, len(short), "...",
                   "acronym", confidence, aliases=(long,))


def _extraction(paper: str, *mentions: Mention) -> Extraction:
    return Extraction(_paper(paper, paper), mentions)


def test_a_new_majority_meaning_that_moves_an_earlier_paper_falls_back(resources):
    earlier = [_extraction("p1", _acronym("p1", "ZQX", "Zonal Query Expansion")),
               _extraction("p2", _acronym("p2", "ZQX", "Zonal Query Expansion")),
               _extraction("p3", _acronym("p3", "ZQX", "Zero Quantised eXperts"))]
    # two more of p3's meaning: it is the majority now, and p1's and p2's the other
    new = [_extraction(f"n{i}", _acronym(f"n{i}", "ZQX", "Zero Quantised eXperts"))
           for i in range(2)]
    state = resolution_state(earlier, resources)
    with pytest.raises(Fallback, match="sense of 'zqx'"):
        delta_entities(state, update_input(earlier + new, earlier, len(earlier)), resources)


def test_a_new_meaning_for_the_minority_keeps_the_earlier_papers_and_renames_the_key(resources):
    earlier = [_extraction("p1", _acronym("p1", "ZQX", "Zonal Query Expansion")),
               _extraction("p2", _acronym("p2", "ZQX", "Zonal Query Expansion"))]
    new = [_extraction("n1", _acronym("n1", "ZQX", "Zero Quantised eXperts"))]
    state = resolution_state(earlier, resources)
    delta = delta_entities(state, update_input(earlier + new, earlier, len(earlier)), resources)
    entities, ambiguous = _full(earlier + new, resources)
    assert delta.entities == entities and delta.ambiguous == ambiguous
    assert sorted(e.key for e in entities.values()) == [
        "zqx-zeroquantisedexperts", "zqx-zonalqueryexpansion"]
    # the earlier cluster has no new mention, but its key changed: its papers' links too
    links = delta_links(state, delta, update_input(earlier + new, earlier, len(earlier)))
    assert {paper: [link.entity_key for link in found] for paper, found in links.items()} == {
        "p1": ["zqx-zonalqueryexpansion"], "p2": ["zqx-zonalqueryexpansion"],
        "n1": ["zqx-zeroquantisedexperts"]}


def test_a_new_union_of_two_earlier_clusters_is_counted_from_their_papers(resources):
    earlier = [_extraction("p1", _acronym("p1", "ZQX", "Zonal Query Expansion")),
               _extraction("p2", Mention("p2", "QuexNet", EntityType.MODEL, "named", "abstract",
                                         0, 7, "...", "proposal", 0.9))]
    new = [_extraction("n1", Mention("n1", "ZQX", EntityType.TECHNIQUE, "named", "abstract",
                                     0, 3, "...", "gazetteer", 0.9, aliases=("QuexNet",)))]
    earlier, new = ([replace(e, words=" ".join(m.text for m in e.mentions)) for e in found]
                    for found in (earlier, new))  # words kept: the state has its spread
    state = resolution_state(earlier, resources)
    delta = delta_entities(state, update_input(earlier + new, earlier, len(earlier)), resources)
    assert len(delta.absorbed) == 1  # one earlier cluster joined the other
    (gone, union), = delta.absorbed.items()
    assert gone in state.clusters and union in delta.touched and gone not in delta.entities
    # the entities, links, lineage and next state are a full resolution's
    _update(earlier + new, len(earlier), resources, local=False)


def test_an_earlier_paper_changed_otherwise_than_by_the_spread_falls_back(resources):
    earlier = [_extraction("p1", _acronym("p1", "ZQX", "Zonal Query Expansion"))]
    changed = [_extraction("p1", _acronym("p1", "ZQX", "Zonal Query Extension"))]
    state = resolution_state(earlier, resources)
    with pytest.raises(Fallback, match="mentions of the earlier paper p1 changed"):
        delta_entities(state, update_input(changed, earlier, len(earlier)), resources)


def test_voted_types_do_not_depend_on_the_order_of_the_confidences():
    # summed as floats in order, 0.1, 0.2 and 0.3 make 0.6000000000000001 or 0.6:
    # against a model's 0.6 the benchmark would win or tie (and a tie goes to the
    # model, first in the types' order), by the order of its mentions alone
    def float_vote(order):
        benchmark = 0
        for confidence in order:
            benchmark += confidence
        return (EntityType.BENCHMARK if benchmark > 0.6 else EntityType.MODEL)

    orders = list(permutations([0.1, 0.2, 0.3]))
    assert {float_vote(order) for order in orders} == {EntityType.BENCHMARK, EntityType.MODEL}
    voted = {voted_type({EntityType.MODEL: Counter([0.6]),
                         EntityType.BENCHMARK: Counter(order)}) for order in orders}
    assert voted == {EntityType.BENCHMARK}  # the exact sums: 0.1 + 0.2 + 0.3 > 0.6


def test_a_name_coined_now_and_found_in_an_earlier_paper_counts_that_paper(resources):
    def named(paper, rule):
        return Mention(paper, "QuexNet", EntityType.MODEL, "named", "abstract", 0, 7, "...",
                       rule, 0.7)

    def paper(key, *mentions):
        return Extraction(_paper(key, "QuexNet works"), mentions, words="QuexNet works")

    # p1 names QuexNet without coining it; p2 and p3 only write it; n1 proposes it
    earlier = [paper("p1", named("p1", "candidate")), paper("p2"), paper("p3"),
               paper("p4", named("p4", "candidate"))]
    new = [paper("n1", named("n1", "proposal"))]
    delta, (entities, _) = _update(earlier + new, len(earlier), resources)
    assert delta.entities == entities
    assert [e.support for e in entities.values()] == [5]


def test_resolving_while_keeping_the_state_resolves_as_resolve_does(sample, resources):
    spread = spread_names(sample, resources.is_stopped)
    kept, state = resolve_keeping(spread, resources)
    assert kept == resolve(spread, resources, spread=False, curation=False)
    assert state.papers == len(sample)
    # the state's entities are the clusters'; the resolution adds checkpoint parents
    assert {e.key for e in state.entities.values()} <= set(kept.entities)


@pytest.mark.parametrize("earlier", [200, 560])
def test_a_saved_state_gives_the_same_update(sample, resources, tmp_path, earlier):
    delta, (entities, ambiguous) = _update(sample, earlier, resources, tmp_path)
    assert (delta.entities, delta.ambiguous) == (entities, ambiguous)


def test_a_damaged_state_file_is_a_value_error(sample, resources, tmp_path):
    save_resolution_state(resolution_state(sample[:20], resources), tmp_path / "state")
    data = (tmp_path / "state").read_bytes()
    (tmp_path / "state").write_bytes(data[:len(data) // 2])
    with pytest.raises(ValueError, match="cannot read the resolution state"):
        load_resolution_state(tmp_path / "state")


# random small corpora: a few coined names, short forms with competing long forms,
# curated names, aliases that join names, checkpoint parents and stated lineage
_NAMES = ["QuexNet", "Zorbit", "ZQX", "Plinko", "Plinko-2", "QuexNet-7B", "Vantor", "VTR"]
_LONGS = {"ZQX": ["Zonal Query Expansion", "Zero Quantised eXperts"],
          "VTR": ["Vantor Transfer Routing", "Visual Token Reuse"]}
_CURATED = [("LLaMA", "LLaMA"), ("Llama-2", "Llama-2"), ("LoRA", "LoRA"), ("MMLU", "MMLU")]


@st.composite
def _mention(draw, paper: str) -> Mention:
    kind = draw(st.sampled_from(["coined", "acronym", "curated"]))
    entity_type = draw(st.sampled_from(list(EntityType)))
    confidence = draw(st.sampled_from([0.3, 0.6, 0.75, 0.9, 0.95]))
    flags = {"proposed": draw(st.booleans()), "evaluated_on": draw(st.booleans())}
    if kind == "curated":
        text, resource = draw(st.sampled_from(_CURATED))
        return Mention(paper, text, entity_type, "named", "abstract", 0, len(text), "s.",
                       "gazetteer", confidence, resource_id=resource, **flags)
    if kind == "acronym":
        short = draw(st.sampled_from(sorted(_LONGS)))
        return Mention(paper, short, entity_type, "named", "abstract", 0, len(short), "s.",
                       "acronym", confidence, aliases=(draw(st.sampled_from(_LONGS[short])),),
                       **flags)
    text = draw(st.sampled_from(_NAMES))
    aliases = tuple(draw(st.lists(st.sampled_from(_NAMES), max_size=1)))
    parent = draw(st.sampled_from([None, None, "Llama-2", "LLaMA"]))
    return Mention(paper, text, entity_type, draw(st.sampled_from(["named", "concept"])),
                   "abstract", 0, len(text), "s.",
                   draw(st.sampled_from(["proposal", "candidate", "title-prefix"])), confidence,
                   aliases=aliases, parent=parent, **flags)


@st.composite
def _corpus(draw) -> list[Extraction]:
    papers = []
    for number in range(draw(st.integers(2, 9))):
        key = f"p{number}"
        mentions = tuple(draw(st.lists(_mention(key), max_size=4)))
        names = sorted({m.text for m in mentions} | set(draw(st.lists(
            st.sampled_from(_NAMES), max_size=2))))
        claims = tuple(LineageClaim(key, child, parent, "s.", rule) for child, parent, rule in
                       draw(st.lists(st.tuples(st.sampled_from(_NAMES), st.sampled_from(_NAMES),
                                               st.sampled_from(["stated", "serves"])),
                                     max_size=1)))
        text = " ".join(names) or "nothing"
        papers.append(Extraction(Paper(key, text, text), mentions, claims, words=" ".join(names)))
    return papers


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(corpus=_corpus(), data=st.data())
def test_any_update_of_a_small_corpus_resolves_as_every_paper_or_falls_back(
        resources, corpus, data):
    earlier = data.draw(st.integers(1, len(corpus) - 1))
    try:
        delta, (entities, ambiguous) = _update(corpus, earlier, resources, local=False)
    except Fallback as why:
        event(f"falls back: {str(why).split(chr(39))[0]}")
        return
    event("resolved from the state")
    assert (delta.entities, delta.ambiguous) == (entities, ambiguous)


def _spread_both(extractions, earlier: int, resources):
    """(the update's spread by difference, a spread of every paper) of adding
    ``extractions[earlier:]`` to a build of the others."""
    before = spread_names(extractions[:earlier], resources.is_stopped)
    state = SpreadState.of(before, resources.is_stopped)
    new, changed = spread_update(state, list(extractions[earlier:]),
                                 lambda places: [before[i] for i in places],
                                 resources.is_stopped)
    return before, new, changed, spread_names(before + list(extractions[earlier:]),
                                              resources.is_stopped, earlier)


@pytest.mark.parametrize("earlier", [100, 300, 540, 571])
def test_an_updates_spread_reads_only_the_earlier_papers_it_changes(sample, resources, earlier):
    before, new, changed, full = _spread_both(sample, earlier, resources)
    assert new == full[earlier:]
    assert [now for now, _ in changed] == [now for now, was in zip(full, before, strict=False)
                                           if now is not was]
    assert all(now != was for now, was in changed)


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(corpus=_corpus(), data=st.data())
def test_any_updates_spread_is_the_spread_of_every_paper(resources, corpus, data):
    earlier = data.draw(st.integers(1, len(corpus) - 1))
    before, new, changed, full = _spread_both(corpus, earlier, resources)
    assert new == full[earlier:]
    assert dict((now.paper.key, now) for now, _ in changed) == {
        now.paper.key: now for now, was in zip(full, before, strict=False) if now is not was}


def test_an_update_leaves_the_state_it_starts_from_as_it_was(resources):
    earlier = [_extraction("p1", _acronym("p1", "ZQX", "Zonal Query Expansion")),
               _extraction("p2", _acronym("p2", "ZQX", "Zonal Query Expansion"))]
    new = [_extraction("n1", _acronym("n1", "ZQX", "Zero Quantised eXperts"))]
    state = resolution_state(earlier, resources)
    table = state.acronyms
    kept = (dict(table.long_forms), dict(table.per_paper), dict(table.papers_of),
            dict(table.surfaces), dict(state.senses))
    first = delta_entities(state, update_input(earlier + new, earlier, 2), resources)
    again = delta_entities(state, update_input(earlier + new, earlier, 2), resources)
    assert first.entities == again.entities and first.ambiguous == again.ambiguous
    assert kept == (dict(table.long_forms), dict(table.per_paper), dict(table.papers_of),
                    dict(table.surfaces), dict(state.senses))


def test_a_long_form_first_spelt_under_another_short_form_keeps_that_spelling(resources):
    # "zonal query expansion" is first spelt in lower case, defining ZQX; a new paper
    # gives ZQE that long form as a second meaning: the ambiguity lists the first spelling
    earlier = [_extraction("p1", _acronym("p1", "ZQX", "zonal query expansion")),
               _extraction("p2", _acronym("p2", "ZQE", "Zero Quality Estimation")),
               _extraction("p3", _acronym("p3", "ZQE", "Zero Quality Estimation"))]
    new = [_extraction("n1", _acronym("n1", "ZQE", "Zonal Query Expansion"))]
    state = resolution_state(earlier, resources)
    delta = delta_entities(state, update_input(earlier + new, earlier, 3), resources)
    entities, ambiguous = _full(earlier + new, resources)
    assert delta.ambiguous == ambiguous
    assert ambiguous["zqe"] == ("Zero Quality Estimation", "zonal query expansion")
