"""Resolution: one node per real entity; versions and sizes never merge."""

from __future__ import annotations

import pytest

from paperkg.extract.text import name_key
from paperkg.records import EntityType, Mention, Paper
from paperkg.resolve import resolve
from paperkg.resolve.lineage import naming_parents
from paperkg.resolve.resolver import _entity, _Index


def resolved(extractor, resources, *abstracts: str):
    papers = [Paper(f"id:{i}", f"Paper {i}", text) for i, text in enumerate(abstracts)]
    return resolve(extractor.extract(papers), resources)


def labels(resolution) -> set[str]:
    return {e.label for e in resolution.entities.values()}


def test_case_and_hyphen_variants_merge(extractor, resources):
    result = resolved(extractor, resources, "We tune LLaMA.", "We tune LLaMa.", "We tune Llama.")
    [llama] = [e for e in result.entities.values() if e.label == "LLaMA"]
    assert llama.support == 3
    assert {"LLaMa", "Llama"} <= set(llama.aliases)


def test_gpt4_spellings_merge(extractor, resources):
    result = resolved(extractor, resources, "Compared with GPT-4.", "Compared with GPT4.")
    assert [e.support for e in result.entities.values() if e.label == "GPT-4"] == [2]


@pytest.mark.parametrize("first,second", [
    ("GPT-4", "GPT-4o"), ("Llama-2", "Llama-3"), ("ResNet-50", "ResNet-101"),
    ("LLaMA", "Llama-2"),
])
def test_versions_and_sizes_never_merge(extractor, resources, first, second):
    result = resolved(extractor, resources, f"We study {first} here.", f"We study {second} here.")
    keys = {name_key(e.label) for e in result.entities.values()}
    assert name_key(first) in keys and name_key(second) in keys
    assert len(result.entities) >= 2


@pytest.mark.parametrize("first,second", [("GPT-4", "GPT-4o"), ("Llama-2", "Llama-3"),
                                          ("ResNet-50", "ResNet-101")])
def test_name_keys_of_versions_differ(first, second):
    assert name_key(first) != name_key(second)


def test_acronym_and_long_form_merge_across_papers(extractor, resources):
    result = resolved(extractor, resources,
                      "We propose Sparse Expert Routing (SPERO) for speed.",
                      "We build on SPERO for serving.")
    [spero] = [e for e in result.entities.values() if e.label == "SPERO"]
    assert spero.aliases == ("Sparse Expert Routing",)
    assert spero.support == 2


def test_ambiguous_short_forms_are_reported_and_kept_apart(extractor, resources):
    result = resolved(extractor, resources,
                      "We propose Fast Token Routing (FTR) for speed.",
                      "We use Fast Token Routing (FTR) again.",
                      "We present Federated Tensor Repair (FTR) for privacy.")
    assert dict(result.ambiguous)["ftr"][0] == "Fast Token Routing"
    ftr = [e for e in result.entities.values() if e.label == "FTR"]
    assert sorted(e.support for e in ftr) == [1, 2]
    assert len({e.key for e in ftr}) == 2


def key_of(resolution, label: str) -> str:
    [key] = [e.key for e in resolution.entities.values() if e.label == label]
    return key


def test_a_new_spelling_of_a_name_keeps_its_key(extractor, resources):
    """Papers added to a build keep every IRI: "Zelqua-2" beside "Zelqua2", or a
    name first read in capitals, is the same name and the same key."""
    first = ("We propose Zelqua2, a 7B model.", "Zelqua2 is strong.")
    before = resolved(extractor, resources, *first)
    after = resolved(extractor, resources, *first, "We propose Zelqua-2, a 7B model.",
                     "We propose ZELQUA2, a 7B model.")
    [entity] = [e for e in after.entities.values() if e.label == "Zelqua2"]
    assert {"Zelqua-2", "ZELQUA2"} <= set(entity.aliases)
    assert entity.key == key_of(before, "Zelqua2") == "zelqua2"


def test_a_new_meaning_of_a_short_form_never_takes_an_old_meanings_key(extractor, resources):
    """Once a short form has two meanings, each is named after its long form: the
    plain key goes, and is never handed to the new meaning, whose names sort first."""
    main = ("We propose Structured Prompt Optimization (SPO) for agents.",
            "We use Structured Prompt Optimization (SPO) again.")
    before = resolved(extractor, resources, *main)
    after = resolved(extractor, resources, *main,
                     "We present Adaptive Sparse Pruning Operators (SPO) for speed.")
    assert key_of(before, "SPO") == "spo"
    assert sorted((e.support, e.key) for e in after.entities.values() if e.label == "SPO") == [
        (1, "spo-sparsepruningoperators"), (2, "spo-structuredpromptoptimization")]


def test_a_name_that_is_not_curated_never_takes_a_curated_key(extractor, resources):
    """An acronym a paper redefines is its own entity; its key stays apart from the
    curated entity's whether or not the corpus names that one too."""
    alone = resolved(extractor, resources, "We use Text Eight (TEXT8) for tests.")
    both = resolved(extractor, resources, "We use Text Eight (TEXT8) for tests.",
                    "We train on text8 and enwik8.")
    [redefined] = [e for e in alone.entities.values() if e.label == "TEXT8"]
    assert redefined.key == "text8-other"
    assert {e.label: e.key for e in both.entities.values() if "text8" in e.key.lower()} == {
        "TEXT8": "text8-other", "text8": "text8"}
    # several meanings of it are named after their long forms, not numbered
    meanings = resolved(extractor, resources, "We use Text Eight (TEXT8) for tests.",
                        "We use Token Experts Eight (TEXT8) too.")
    assert sorted(e.key for e in meanings.entities.values() if e.label == "TEXT8") == [
        "text8-texteight", "text8-tokenexpertseight"]


def test_proposed_and_evaluates_on_links(extractor, resources):
    result = resolved(extractor, resources,
                      "We introduce ZetaNet, a new model. We evaluate ZetaNet on MMLU.")
    relations = {(result.entities[k.entity_key].label, k.relation.value) for k in result.links}
    assert ("ZetaNet", "proposes") in relations
    assert ("ZetaNet", "mentions") in relations
    assert ("MMLU", "evaluatesOn") in relations and ("MMLU", "mentions") in relations


def test_naming_lineage_and_substring_guard(extractor, resources):
    result = resolved(extractor, resources, "We compare QLoRA with LoRA and AlpacaEval.",
                      "Alpaca is a model.")
    pairs = {(result.entities[e.child].label, result.entities[e.parent].label)
             for e in result.lineage}
    assert ("QLoRA", "LoRA") in pairs
    assert not any(child == "AlpacaEval" for child, _ in pairs)


@pytest.mark.parametrize("text,derived", [
    ("We introduce ZorbMoE, the first serving engine tailored for MoE LLMs.", False),
    ("We propose ZorbMoE, a training-free compressor for the MoE models.", False),
    ("We introduce ZorbMoE, the first engine that speeds up MoE LLMs.", True),
])
def test_a_name_made_for_another_does_not_derive_from_it(extractor, resources, text, derived):
    result = resolved(extractor, resources, text)
    pairs = {(result.entities[e.child].label, result.entities[e.parent].label)
             for e in result.lineage}
    assert (("ZorbMoE", "MoE") in pairs) is derived


@pytest.mark.parametrize("text,pair", [
    ("We propose Zorbified Proximal Policy Optimization (ZPPO) for alignment.", ("ZPPO", "PPO")),
    ("We propose Zorbed Low-Rank Adaptation (ZoRA), a new method.", ("ZoRA", "LoRA")),
    ("We propose Hierarchically Zorbed Attention (HZA), a new method.", None),
])
def test_a_new_acronym_whose_long_form_ends_in_a_known_name_derives_from_it(
        extractor, resources, text, pair):
    result = resolved(extractor, resources, text)
    pairs = {(result.entities[e.child].label, result.entities[e.parent].label)
             for e in result.lineage}
    assert pairs == ({pair} if pair else set())


def test_a_name_the_paper_gives_in_the_plural_is_one_entity_with_its_singular(
        extractor, resources):
    result = resolved(extractor, resources, "We name such vectors ZorbSteers and find them in "
                                            "all LMs. The learned ZorbSteer serves as a lens.")
    [entity] = [e for e in result.entities.values() if e.label.startswith("ZorbSteer")]
    assert {entity.label, *entity.aliases} == {"ZorbSteer", "ZorbSteers"}
    assert any(link.entity_key == entity.key and link.relation.value == "proposes"
               for link in result.links)


def test_a_stated_parent_replaces_the_more_general_one_a_name_is_formed_from(
        extractor, resources):
    result = resolved(extractor, resources, "We tune LLaMA.",
                      "We evaluate Zorb Supervised LLaMA (ZS-LLaMA), based on LLaMA-2-7B.")
    pairs = {(result.entities[e.child].label, result.entities[e.parent].label): e.rule
             for e in result.lineage}
    assert pairs.get(("ZS-LLaMA", "Llama-2")) == "stated"
    assert ("ZS-LLaMA", "LLaMA") not in pairs


def test_an_edge_many_papers_give_has_them_all_and_its_strongest_rule_s_first_evidence(
        extractor, resources):
    result = resolved(extractor, resources,
                      "We fine-tune Qwen2-7B-Instruct on our data.",
                      "We build Qwen2-7B-Instruct, based on Qwen2, for chat.",
                      "Qwen2-7B-Instruct answers well.",
                      "We evaluate Zorb Supervised LLaMA (ZS-LLaMA), based on LLaMA-2-7B.",
                      "We tune Qwen2-7B-Instruct and compare it with ZS-LLaMA.",
                      "ZS-LLaMA, based on LLaMA-2-7B, is fast.")
    edges = {(result.entities[e.child].label, result.entities[e.parent].label): e
             for e in result.lineage}
    # named by its form in paper 0 first, stated in paper 1: the stated rule wins
    checkpoint = edges[("Qwen2-7B-Instruct", "Qwen2")]
    assert (checkpoint.rule, checkpoint.papers) == ("stated", ("id:0", "id:1", "id:2", "id:4"))
    assert checkpoint.evidence == "We build Qwen2-7B-Instruct, based on Qwen2, for chat."
    stated = edges[("ZS-LLaMA", "Llama-2")]  # stated twice: the first paper's words
    assert (stated.rule, stated.papers) == ("stated", ("id:3", "id:5"))
    assert stated.evidence.startswith("We evaluate Zorb Supervised LLaMA")


def test_checkpoint_derives_from_its_version(extractor, resources):
    result = resolved(extractor, resources, "We fine-tune Qwen2-7B-Instruct on our data.")
    by_key = result.entities
    pairs = {(by_key[e.child].label, by_key[e.parent].label) for e in result.lineage}
    assert ("Qwen2-7B-Instruct", "Qwen2") in pairs
    assert next(e for e in by_key.values() if e.label == "Qwen2").support == 0


def test_a_sized_name_is_an_alias_of_its_family(extractor, resources):
    result = resolved(extractor, resources, "We fine-tune Llama-2-7B and Llama-2 13B.")
    [entity] = result.entities.values()
    assert entity.label == "Llama-2" and entity.support == 1
    assert {"Llama-2-7B", "Llama-2 13B"} <= set(entity.aliases)
    assert result.lineage == ()


@pytest.mark.parametrize("label,parent", [
    ("QLoRA", "LoRA"), ("LongLoRA", "LoRA"), ("S-LoRA", "LoRA"), ("DistilBERT", "BERT"),
    ("Mistral-7B-Instruct", "Mistral-7B"), ("FlashAttention-2", "FlashAttention"),
    ("Qwen2", "Qwen"), ("MT-Bench", None), ("AlpacaEval", None), ("DoRA", None), ("MMLU", None),
    ("Pre-gated MoE", "MoE"), ("Sparse Gated GPT-J", "Gated GPT-J"),
    ("Dynamic Context Pruning", None), ("Matrix Nuclear-Norm", None),
    ("Zorb-BERT", "BERT"), ("Amharic-LLaMA", "LLaMA"), ("GPT-NeoX", None), ("ZorbLLaMA", "LLaMA"),
])
def test_naming_parents(label, parent):
    assert next(iter(naming_parents(label)), None) == parent


def test_a_known_name_after_modifiers_keeps_its_curated_lineage(extractor, resources):
    assert list(naming_parents("offline RL")) == ["RL"]
    assert list(naming_parents("offline RL", modifiers=False)) == []
    result = resolved(extractor, resources, "We study offline RL and RL.")
    by_key = result.entities
    rules = {(by_key[e.child].label, by_key[e.parent].label): e.rule for e in result.lineage}
    assert rules[("offline RL", "RL")] == "curated"


def test_user_merges_join_names(extractor, resources):
    papers = [Paper("id:1", "A", "We propose ZorbNet, a new model."),
              Paper("id:2", "B", "We propose ZorbNet2, a new model.")]
    result = resolve(extractor.extract(papers), resources, merges=[("ZorbNet", "ZorbNet2")])
    zorb = [e for e in result.entities.values() if e.label.startswith("ZorbNet")]
    assert len(zorb) == 1 and zorb[0].support == 2


def test_merging_a_curated_name_with_an_unused_one_changes_nothing(extractor, resources):
    """A merge partner whose key sorted before "known:..." became the cluster's root:
    Vicuna's curated parent LLaMA was dropped, and Qwen2 got a second entity of
    support 0 for Qwen2-7B-Instruct's parent."""
    papers = [Paper("id:1", "Chat models", "We compare Vicuna and LLaMA on MMLU."),
              Paper("id:2", "Math", "We fine-tune Qwen2-7B-Instruct on GSM8K and compare "
                                    "it with Qwen2.")]
    extractions = extractor.extract(papers)
    plain = resolve(extractions, resources)
    merged = resolve(extractions, resources, merges=[("LLaMA", "Facebook LLaMA"),
                                                     ("Qwen2", "Alt Qwen Two"),
                                                     ("MMLU", "Any Bench MMLU")])
    assert {(e.key, e.support) for e in merged.entities.values()} == \
        {(e.key, e.support) for e in plain.entities.values()}
    assert merged.lineage == plain.lineage
    edges = {(edge.child, edge.parent) for edge in plain.lineage}
    assert ("Vicuna", "LLaMA") in edges and any(p == "Qwen2" for _, p in edges)


def test_entity_types_are_the_four_classes(extractor, resources):
    result = resolved(extractor, resources, "We use LoRA on MMLU with GPT-4 and The Pile.")
    assert {e.type for e in result.entities.values()} <= set(EntityType)


def test_a_redefined_acronym_is_not_the_curated_entity(extractor, resources):
    result = resolved(extractor, resources,
                      "Meta has introduced Large Concept Models (LCMs). LCMs use concepts.",
                      "We distill Latent Consistency Models (LCMs) from Stable Diffusion.")
    found = {e.label: set(e.aliases) for e in result.entities.values()}
    assert "Latent Consistency Model" in found
    concept = [label for label, aliases in found.items()
               if "Large Concept Models" in aliases | {label}]
    assert concept and concept[0] != "Latent Consistency Model"


def test_a_generic_name_one_paper_proposes_is_not_spread_to_others(extractor, resources):
    result = resolved(extractor, resources,
                      "We propose a joint speech and language model (SLM) for dialog.",
                      "We distil an LLM into an SLM for fast decoding.")
    papers = {link.paper_key for link in result.links
              if result.entities[link.entity_key].label in ("SLM", "speech and language model")}
    assert papers == {"id:0"}


def test_a_title_prefix_spelt_with_the_acronym_the_abstract_defines_is_that_entity(
        extractor, resources):
    resolution = resolve(extractor.extract([Paper(
        "id:z", "ZiP Attention: Sparse Attention with Pruning",
        "We propose a novel approach, Zierarchically Pruned Attention (ZiP), which reduces "
        "time. ZiP is training-free.")]), resources)
    [entity] = [e for e in resolution.entities.values() if e.label == "ZiP"]
    assert set(entity.aliases) == {"ZiP Attention", "Zierarchically Pruned Attention"}
    assert "ZiP Attention" not in labels(resolution)


def test_near_duplicates_score_names_apart_by_a_plus_sign_below_identity():
    from paperkg.records import Entity
    from paperkg.resolve.curation import near_duplicates

    def benchmark(label):
        return Entity(label, label, EntityType.BENCHMARK, "named", (), 1)

    pairs = near_duplicates([benchmark("HumanEval"), benchmark("HumanEval+"),
                             benchmark("GSM8K"), benchmark("MMLU")])
    assert [(a, b) for a, b, _ in pairs] == [("HumanEval", "HumanEval+")]
    assert 90 <= pairs[0][2] < 100


def _node_looked_up_each_time(index, paper_key, text, resource_id, redefined):
    """:meth:`_Index.node` before it kept each name's node: the reference."""
    found = None if redefined else index.resources.lookup(text)
    known = resource_id or (found.name if found else None)
    if known is not None:
        return "known:" + name_key(known)
    key = name_key(text)
    sense = index.senses.get((paper_key, key))
    return f"{key}|{sense}" if sense else key


def test_a_name_s_node_kept_is_the_node_looked_up_each_time(resources):
    """The index looks each name up once; whatever order the names come in, a node
    is the one the look-up gives: a curated short form a paper redefines is not the
    curated entity, the same short form elsewhere is, and a sense is per paper."""
    calls = [("p1", "LCMs", None, True), ("p2", "LCMs", None, False),
             ("p1", "LCM", "LCM", False), ("p3", "LCMs", None, True),
             ("p1", "SPERO", None, True), ("p2", "SPERO", None, False),
             ("p3", "LoRA", None, False), ("p3", "LoRA", None, True),
             ("p2", "Low-Rank Adaptation", None, False), ("p4", "Foo", "LoRA", True),
             ("p4", "Foo", None, False)]
    for order in (calls, calls[::-1], calls[1::2] + calls[::2]):
        index = _Index([], resources, [])
        index.senses = {("p1", "spero"): "sparseexpertrouting", ("p3", "lcms"): "largeconcept"}
        for paper_key, text, resource_id, redefined in order:
            assert index.node(paper_key, text, resource_id, redefined=redefined) == \
                _node_looked_up_each_time(index, paper_key, text, resource_id, redefined)


def _mention(paper: str, text: str, entity_type: EntityType, confidence: float,
             rule: str = "discovery", aliases: tuple[str, ...] = ()) -> Mention:
    return Mention(paper, text, entity_type, "named", "abstract", 0, len(text), text, rule,
                   confidence, aliases=aliases)


def test_a_cluster_s_type_its_label_and_its_key_name(resources):
    model, technique = EntityType.MODEL, EntityType.TECHNIQUE
    one_type = [_mention("id:1", "Zorb", technique, 0.6), _mention("id:2", "zorb", technique, 0.7)]
    votes = [_mention("id:1", "Zorb", model, 0.9), _mention("id:2", "Zorb", technique, 0.6),
             _mention("id:3", "zorb", technique, 0.6)]
    short = [_mention("id:1", "Zorb Net", model, 0.8),
             _mention("id:2", "ZN", model, 0.8, "acronym", ("Zorb Net",))]
    cases = [(one_type, "Zorb", technique, "zorb"),  # as frequent: the first mentioned
             (votes, "Zorb", technique, "zorb"),  # 1.2 of confidence beat 0.9
             (short, "ZN", model, "zn")]  # a short form the text defines names it
    for mentions, label, entity_type, key_name in cases:
        entity, name = _entity(mentions, resources)
        assert (entity.label, entity.type, name) == (label, entity_type, (key_name, False))
        assert entity.support == len({m.paper_key for m in mentions})
