"""Extraction on short texts with known answers."""

from __future__ import annotations

import re

import pytest

from paperkg.extract.pipeline import make_nlp
from paperkg.extract.plaintext import paper_text
from paperkg.records import EntityType, Paper


def extract_one(extractor, title: str, abstract: str):
    [result] = extractor.extract([Paper("id:t", title, abstract)])
    return result


def names(result) -> dict[str, EntityType]:
    return {m.text: m.type for m in result.mentions}


def test_known_entities_are_typed_from_the_resource(extractor):
    result = extract_one(extractor, "A study", "We fine-tune LLaMA with LoRA and evaluate on MMLU.")
    assert names(result) == {"LLaMA": EntityType.MODEL, "LoRA": EntityType.TECHNIQUE,
                             "MMLU": EntityType.BENCHMARK}


def test_acronym_definition_gives_one_entity_with_two_names(extractor):
    result = extract_one(extractor, "A study",
                         "We introduce Low-Rank Residual Attention (LoRRA) to vision models.")
    short = next(m for m in result.mentions if m.text == "LoRRA")
    assert short.aliases == ("Low-Rank Residual Attention",)
    assert short.type is EntityType.TECHNIQUE
    assert short.proposed


def test_generic_acronyms_are_not_entities(extractor):
    result = extract_one(extractor, "A study",
                         "Large language models (LLMs) and artificial intelligence (AI) help.")
    assert result.mentions == ()


def test_title_prefix_is_a_proposed_name_typed_by_context(extractor):
    result = extract_one(
        extractor, "ExpertFlow: Optimized Expert Activation for Efficient Inference",
        "We introduce ExpertFlow, a comprehensive system for inference. It is fast.")
    flow = [m for m in result.mentions if m.text == "ExpertFlow"]
    assert flow and all(m.proposed for m in flow)
    assert {m.type for m in flow} == {EntityType.TECHNIQUE}
    assert flow[0].field == "title" and flow[0].start == 0


def test_new_benchmark_from_appositive(extractor):
    result = extract_one(extractor, "A study",
                         "We present CodeArenaX, a novel benchmark for repository-level coding.")
    [mention] = [m for m in result.mentions if m.text == "CodeArenaX"]
    assert mention.type is EntityType.BENCHMARK and mention.proposed


@pytest.mark.parametrize("name", ["ZorbBench++", "Zorb-Bench-2", "ZorbEval-v2"])
def test_a_benchmark_name_with_an_edition_mark_is_a_benchmark(extractor, name):
    result = extract_one(extractor, "A study", f"Second, we present {name} to rank policies.")
    assert {m.type for m in result.mentions if m.text == name} == {EntityType.BENCHMARK}


def test_slogan_title_prefix_is_not_a_name(extractor):
    result = extract_one(extractor, "Think Big, Generate Quick: Faster Decoding",
                         "We propose a hybrid approach that combines models of different sizes.")
    assert not any(m.rule == "title-prefix" for m in result.mentions)


def test_a_sized_name_is_its_family_and_a_variant_keeps_its_parent(extractor):
    # the guidelines count "Llama-2-7B" and "BERT-base" as the family, and an
    # instruction-tuned variant as a model of its own
    result = extract_one(extractor, "A study",
                         "We fine-tune Llama-2-7B, BERT-base, Qwen2 7B and Qwen2-7B-Instruct.")
    by_text = {m.text: m for m in result.mentions}
    assert by_text["Llama-2-7B"].resource_id == "Llama-2" and by_text["Llama-2-7B"].parent is None
    assert by_text["BERT-base"].resource_id == "BERT" and by_text["BERT-base"].parent is None
    assert by_text["Qwen2 7B"].resource_id == "Qwen2"
    assert by_text["Qwen2-7B-Instruct"].resource_id is None
    assert by_text["Qwen2-7B-Instruct"].parent == "Qwen2"


def test_evidence_is_the_sentence_and_offsets_point_at_the_text(extractor):
    abstract = "First sentence here. We evaluate LoRA on GSM8K benchmarks."
    result = extract_one(extractor, "Title", abstract)
    for mention in result.mentions:
        assert abstract[mention.start : mention.end] == mention.text
        assert mention.sentence == "We evaluate LoRA on GSM8K benchmarks."
    gsm = next(m for m in result.mentions if m.text == "GSM8K")
    assert gsm.evaluated_on


def test_stated_lineage(extractor):
    result = extract_one(extractor, "Flacuna: a model",
                         "We use Vicuna, a model based on LLaMA, for our study.")
    pairs = {(c.child, c.parent) for c in result.lineage}
    assert ("Vicuna", "LLaMA") in pairs


@pytest.mark.parametrize("abstract,expected", [
    ("This work proposes a fine-tuned LLaMA-based model for legal prompts named Quillon.",
     {("Quillon", "LLaMA")}),
    ("We present a BERT-based encoder called Quillon for legal text.", {("Quillon", "BERT")}),
    ("We compare a BERT-based encoder with a model named Quillon.", set()),
    ("We propose Quillon, a new BERT-based encoder for legal text.", {("Quillon", "BERT")}),
    ("We propose Quillon, the first linear attention-based encoder.", set()),
])
def test_a_model_based_on_another_and_then_named(extractor, abstract, expected):
    result = extract_one(extractor, "A study", abstract)
    assert {(c.child, c.parent) for c in result.lineage} == expected


@pytest.mark.parametrize("abstract,expected", [
    ("We study critique. Our developed critique model built on Llama-2 beats GPT-4.",
     {("ZorbCritic", "Llama-2")}),
    ("Our method maps hidden states into a space based on a sparse autoencoder (SAE).", set()),
    ("We use Vicuna, a model based on LLaMA, for our method.", {("Vicuna", "LLaMA")}),
])
def test_the_papers_own_work_built_on_a_model_derives_from_it(extractor, abstract, expected):
    result = extract_one(extractor, "ZorbCritic: Deliberate Critique with LLMs", abstract)
    assert {(c.child, c.parent) for c in result.lineage} == expected


@pytest.mark.parametrize("abstract,expected", [
    ("We propose Zorbed Attention. It replaces the conventional attention in each layer.",
     {("Zorbed Attention", "attention")}),
    ("We propose ZorbAttention. It replaces the conventional attention in each layer.",
     {("ZorbAttention", "attention")}),
    ("We propose Zorbed Context Pruning. It improves on conventional pruning.", set()),
])
def test_a_new_mechanism_named_after_one_is_a_variant_of_it(extractor, abstract, expected):
    result = extract_one(extractor, "A study", abstract)
    assert {(c.child, c.parent) for c in result.lineage} == expected


def test_an_acronym_based_on_a_model_is_a_model_derived_from_it(extractor):
    result = extract_one(extractor, "A study", "We evaluate this approach with Zorb Supervised "
                                               "LLaMA (ZS-LLaMA), based on LLaMA-2-7B.")
    assert names(result)["ZS-LLaMA"] is EntityType.MODEL
    assert ("ZS-LLaMA", "LLaMA-2-7B", "stated") in {(c.child, c.parent, c.rule)
                                                    for c in result.lineage}


def test_a_name_evolved_from_a_named_architecture_derives_from_it_not_its_modifier(extractor):
    result = extract_one(extractor, "A study", "ZorbNormerLLM evolves from the previous linear "
                                               "attention architecture ZorbNormer by changes.")
    assert {(c.child, c.parent) for c in result.lineage} == {("ZorbNormerLLM", "ZorbNormer")}


def test_a_quoted_name_with_its_acronym_is_named_without_the_parentheses(extractor):
    result = extract_one(extractor, "A study", 'This paper proposes a new concept called '
                                               '"Zorb Model Learning (ZML)" for tables.')
    assert not any("(" in m.text for m in result.mentions)
    assert {"ZML", "Zorb Model Learning"} <= {m.text for m in result.mentions if m.proposed}


def test_a_cue_after_a_second_object_is_not_about_the_first(extractor):
    result = extract_one(extractor, "A study", "We introduce new scores: the Zorb-Key Score "
                         "(ZK-score), derived from query and key representations in attention "
                         "heads, and the Zorb Score, based on attention weights.")
    assert not any(c.child in ("ZK-score", "Zorb-Key Score") for c in result.lineage)


def test_comparison_is_not_lineage(extractor):
    result = extract_one(extractor, "A study", "Vicuna outperforms LLaMA on MMLU.")
    assert result.lineage == ()


@pytest.mark.parametrize("text,expected", [
    ("GPT-4-based agents", ["GPT", "-", "4", "-", "based", "agents"]),
    ("reaches 72B.", ["reaches", "72B", "."]),
    ("Models(LLMs)have", ["Models", "(", "LLMs", ")", "have"]),
    ("O(n) time", ["O", "(", "n", ")", "time"]),
    ("GPT- and BERT-style", ["GPT", "-", "and", "BERT", "-", "style"]),
])
def test_tokenizer_splits_hyphens_brackets_and_final_periods(text, expected):
    assert [t.text for t in make_nlp(components=False)(text)] == expected


def test_a_known_name_directly_before_a_bracket_is_found(extractor):
    result = extract_one(extractor, "A study", "We test ChatGPT(a closed model) and "
                         "Vicuna[open] on MMLU.")
    assert {m.text for m in result.mentions} >= {"ChatGPT", "Vicuna", "MMLU"}


def test_a_known_name_before_a_hanging_hyphen_is_found(extractor):
    result = extract_one(extractor, "A study", "We survey Vicuna- and BERT-style models.")
    assert {m.text for m in result.mentions} >= {"Vicuna", "BERT"}


def test_paper_text_puts_title_first():
    assert paper_text(Paper("id:1", "T", "A")) == "T\n\nA"


def test_typed_by_the_words_after_an_acronym_definition(extractor):
    result = extract_one(extractor, "A study",
                         "On a newly built Interleaved Image-Text (IIT) benchmark, X wins.")
    assert names(result)["IIT"] is EntityType.BENCHMARK
    result = extract_one(extractor, "A study",
                         "We introduce MTOB (Machine Translation from One Book), a benchmark for "
                         "learning to translate. MTOB is hard.")
    assert names(result)["MTOB"] is EntityType.BENCHMARK


@pytest.mark.parametrize("abstract,name,entity_type", [
    ("We introduce Zorbed Inference for LLMs (ZIL), a system that reads fast.", "ZIL",
     EntityType.TECHNIQUE),
    ("We build an Adversarial Dataset for Tokenizers (ADZ) to test them.", "ADZ",
     EntityType.DATASET),
    ("We propose a Zorbed Language Model for Code (ZLMC).", "ZLMC", EntityType.MODEL),
])
def test_a_long_form_is_typed_by_its_head_not_by_what_it_is_for(extractor, abstract, name,
                                                                 entity_type):
    assert names(extract_one(extractor, "A study", abstract))[name] is entity_type


def test_a_text_that_redefines_a_curated_acronym_wins(extractor):
    # The resource knows LCM as the Latent Consistency Model.
    text = ("Meta has introduced Large Concept Models (LCMs). LCMs use concepts. "
            "We discuss LCM development.")
    result = extract_one(extractor, "A study", text)
    assert {m.resource_id for m in result.mentions} == {None}
    assert {m.text for m in result.mentions} == {"Large Concept Models", "LCMs", "LCM"}
    same = extract_one(extractor, "A study", "We distill Latent Consistency Models (LCMs).")
    assert {m.resource_id for m in same.mentions} == {"Latent Consistency Model"}


def test_no_names_inside_web_addresses(extractor):
    result = extract_one(extractor, "A study",
                         "We fine-tune LLaMA. Code: https://github.com/OpenGVLab/InternGPT and "
                         "huggingface.co/meta/Mistral-7B.")
    assert set(names(result)) == {"LLaMA"}


@pytest.mark.parametrize(
    ("title", "abstract", "name", "entity_type"),
    [
        ("Momentum Decoding: Text Generation as Graph Exploration",
         "We propose a decoding method, momentum decoding, which explores.",
         "Momentum Decoding", EntityType.TECHNIQUE),
        ("Llama Scope: Extracting Features with Sparse Autoencoders",
         "The Llama Scope checkpoints are public.", "Llama Scope", None),
        ("InfMLLM: A Unified Framework for Visual-Language Tasks",
         "We name our proposed approach InfMLLM.", "InfMLLM", EntityType.MODEL),
    ],
)
def test_title_prefix_names(extractor, title, abstract, name, entity_type):
    result = extract_one(extractor, title, abstract)
    found = [m for m in result.mentions if m.text == name]
    assert found and all(m.proposed for m in found)
    assert entity_type is None or found[0].type is entity_type
    if name == "Llama Scope":  # its uses in the abstract are the new name, not LLaMA
        assert "LLaMA" not in {m.resource_id for m in result.mentions}


@pytest.mark.parametrize("title", [
    "Enhancing Amharic-LLaMA: Integrating Task Specific Datasets",
    "LLM Inference Unveiled: Survey and Roofline Model Insights",
    "TinyHelen's First Curriculum: Training Tiny Language Models",
    "Generative AI Beyond LLMs: System Implications",
])
def test_slogans_before_a_colon_are_not_proposed_names(extractor, title):
    prefix = title.split(":")[0]
    result = extract_one(extractor, title, f"We study {prefix.split()[-1]} here.")
    assert prefix not in {m.text for m in result.mentions}
    assert not any(m.proposed and m.text == prefix for m in result.mentions)


def test_a_task_defined_as_an_acronym_is_not_an_entity(extractor):
    result = extract_one(extractor, "A study",
                         "Gains on Multi-Choice Question Answering (MCQA) datasets. MCQA is hard.")
    assert names(result) == {}
    method = extract_one(extractor, "A study", "We propose Retrieval-Augmented Code Generation (RACG).")
    assert names(method)["RACG"] is EntityType.TECHNIQUE


def test_an_acronym_whose_long_form_ends_with_a_name_derives_from_it(extractor):
    text = ("We propose a joint speech and language model (SLM) using an adapter. "
            "We augment SLM with a retriever. With this retrieval-augmented SLM (ReSLM), "
            "accuracy jumps.")
    result = extract_one(extractor, "A study", text)
    assert names(result)["SLM"] is EntityType.MODEL  # generic "SLM", but proposed here
    assert [(c.child, c.parent, c.rule) for c in result.lineage] == [("ReSLM", "SLM", "naming")]
    # both are the paper's own: SLM is proposed, ReSLM is built on it
    assert {m.text for m in result.mentions if m.proposed} >= {"SLM", "ReSLM"}
    # a name that is not the head of the long form is no parent
    other = extract_one(extractor, "A study",
                        "We train a LLaMA-based Vision Model (LVM). LVM beats LLaMA.")
    assert not [c for c in other.lineage if c.child == "LVM"]


def test_a_generic_acronym_stays_generic_when_not_proposed(extractor):
    result = extract_one(extractor, "A study",
                         "Our method guides a small language model (SLM) with an LLM.")
    assert "SLM" not in names(result)


def test_sizes_are_not_names(extractor):
    result = extract_one(extractor, "A study", "Using these 50B+ models and 7B models needs an A100.")
    assert names(result) == {}


@pytest.mark.parametrize("text,absent,present", [
    # a leftover size ("LLaMA(/2)-7B"), an amount, a number of dimensions, an
    # ordinary word joined to a model-class acronym
    ("Experiments on LLaMA(/2)-7B serve ~1B requests. We introduce a 1-D tagging design and a "
     "Human-LLM collaborative system beyond the single-LLM approach, while our MIDI-LLM model "
     "writes music.",
     {"-7B", "~1B", "1-D", "Human-LLM", "single-LLM"}, {"MIDI-LLM": EntityType.MODEL}),
    # a size range, a describing compound, an undefined acronym naming a task, sentences
    # glued without a space, a function word or an indefinite article before "LLM"
    ("We train models of 370M-2.7B parameters in an LLM-Empowered pipeline and score them on "
     "SLU tasks.we evaluated them.In (ii) For LLM alignment, we merge a Japanese LLM with the "
     "second User LLM into BERT-Large-Uncased.",
     {"370M-2.7B", "LLM-Empowered", "SLU", "For LLM", "Japanese LLM", "tasks.we", "them.In"},
     {"User LLM": EntityType.MODEL, "BERT-Large-Uncased": EntityType.MODEL}),
])
def test_shapes_that_look_coined_but_are_not_names(extractor, text, absent, present):
    found = names(extract_one(extractor, "A study", text))
    assert not absent & set(found)
    assert {name: found.get(name) for name in present} == present


def test_two_capitals_are_a_name_only_where_the_text_defines_them(extractor):
    undefined = extract_one(extractor, "A study",
                            "We scale CF models and report gains on the WG task.")
    assert names(undefined) == {}
    defined = extract_one(extractor, "A study",
                          "We study Voice Conversion (VC). Our VC model beats CF models.")
    assert "VC" in names(defined) and "CF" not in names(defined)


def test_a_proposed_phrase_is_not_cut_inside_a_compound_or_joined_over_and(extractor):
    result = extract_one(extractor, "A study",
                         "We introduce the Layerwise Recurrent Router for Mixture-of-Experts. "
                         "We design the Sliding Window-based estimate. "
                         "We present two models, ARBERT and MARBERT.")
    found = names(result)
    assert not {"Layerwise Recurrent Router for Mixture", "Sliding Window",
                "ARBERT and MARBERT"} & set(found)
    assert {"ARBERT", "MARBERT"} <= set(found)


def test_a_long_form_never_reaches_into_the_previous_sentence(extractor):
    result = extract_one(extractor, "A study", "We tune T5 models. Results show that fine-tuned "
                                               "FLAN-T5-large (MathT5) wins.")
    assert all("." not in m.text for m in result.mentions)
    assert names(result)["FLAN-T5-large"] is EntityType.MODEL


def test_a_coined_short_form_with_letters_out_of_order(extractor):
    result = extract_one(extractor, "A study",
                         "We introduce Knowledge-Intensive Compressed LLM BenchmarK (LLM-KICK), a "
                         "set of tasks. LLM-KICK unveils merits.")
    found = [m for m in result.mentions if m.text == "LLM-KICK"]
    assert found and found[0].type is EntityType.BENCHMARK and found[0].proposed
    assert found[0].aliases == ("Knowledge-Intensive Compressed LLM BenchmarK",)


def test_a_variant_of_a_known_name_takes_its_type(extractor):
    result = extract_one(extractor, "A study",
                         "Our experiments using LLAMA2-13/70B, on five reasoning datasets, show gains.")
    assert names(result) == {"LLAMA2-13": EntityType.MODEL}


def test_a_new_name_joined_by_a_slash_to_a_known_one_takes_its_type(extractor):
    result = extract_one(extractor, "A study",
                         "It beats second-order methods, i.e. ZAISA/KFAC, by a wide margin.")
    assert names(result).get("ZAISA") is EntityType.TECHNIQUE


def test_a_method_named_after_a_known_model_is_a_technique(extractor):
    result = extract_one(extractor, "A study",
                         "We present BERT-Decoding for speed. BERT-Decoding is faster.")
    assert {m.type for m in result.mentions if m.text == "BERT-Decoding"} == \
        {EntityType.TECHNIQUE}


def test_a_model_renamed_in_parentheses_after_training_is_new(extractor):
    result = extract_one(extractor, "A study",
                         "Results show that fine-tuned FLAN-T5-large (MathT5) wins. "
                         "We compare with GPT-4 (OpenAI) and Llama-2 (7B).")
    assert names(result)["MathT5"] is EntityType.MODEL
    assert [(c.child, c.parent) for c in result.lineage] == [("MathT5", "FLAN-T5-large")]
    assert "OpenAI" not in names(result) and "7B" not in names(result)


@pytest.mark.parametrize("abstract", [
    "We propose ZorbNet, which outperforms baselines including FooNet.",
    "We propose ZorbNet, which outperforms FooNet, a strong model for code.",
])
def test_names_after_a_proposal_that_are_not_its_parts_are_not_proposed(extractor, abstract):
    result = extract_one(extractor, "A study", abstract)
    assert {m.text: m.proposed for m in result.mentions} == {"ZorbNet": True, "FooNet": False}


@pytest.mark.parametrize("abstract,names_", [
    # objects of a proposal described in apposition, coordinated
    ("This paper fills the gap by first creating ZorbData, a comprehensive dataset of "
     "material, and Zorb-Eval, a large-scale question-and-answer dataset.",
     {"ZorbData", "Zorb-Eval"}),
    # a compound of capitalised words is a name there too; not after a comparison
    ("This paper fills the gap by first creating and releasing Zorb-Data, a comprehensive "
     "dataset of material, which beats Real-Time, a strong model.", {"Zorb-Data"}),
    # a suite the paper has made, with an adjective before "suite"
    ("We have created a leaner suite of evaluation sets: Zorb-Eval for reasoning and "
     "ZorbQA for facts.", {"Zorb-Eval", "ZorbQA"}),
])
def test_every_object_of_a_proposal_is_proposed(extractor, abstract, names_):
    result = extract_one(extractor, "A study", abstract)
    assert {m.text for m in result.mentions if m.proposed} == names_


def test_mentions_of_one_sentence_share_its_evidence_string(extractor):
    """A paper's evidence is held once per sentence, also after a trip through a pipe
    (pickle keeps shared objects shared), which is what a worker process sends."""
    import pickle

    result = extract_one(extractor, "A study",
                         "We fine-tune LLaMA with LoRA on MMLU. Then we try GPT-4 and BERT.")
    first = [m for m in result.mentions if m.text in ("LLaMA", "LoRA", "MMLU")]
    second = [m for m in result.mentions if m.text in ("GPT-4", "BERT")]
    assert len(first) == 3 and len(second) == 2
    assert first[0].sentence == "We fine-tune LLaMA with LoRA on MMLU."
    assert all(m.sentence is first[0].sentence for m in first)
    assert second[0].sentence is second[1].sentence is not first[0].sentence
    copied = pickle.loads(pickle.dumps(result.mentions))
    assert copied[0].sentence is copied[1].sentence


@pytest.mark.parametrize("abstract,name,entity_type", [
    # what the paper calls its own, right before a coined name
    ("Our method, QuarkSieve, cuts memory by half.", "QuarkSieve", EntityType.TECHNIQUE),
    ("Results show that our model, ZORBAX, is accurate.", "ZORBAX", EntityType.MODEL),
    ("The proposed FlipKV halves the cache.", "FlipKV", EntityType.TECHNIQUE),
    # a capitalised ordinary-looking word after "named", typed by the noun before it
    ("We release a fine-tuned model for Catalan prompts named Tordera in two sizes.",
     "Tordera", EntityType.MODEL),
    # "which we call" names the noun phrase before it, here an architecture
    ("This architecture, which we call ZorbLoT (Zorbed Long Transformer), is fast.",
     "ZorbLoT", EntityType.TECHNIQUE),
    # a capitalised compound a proposal names in apposition
    ("This paper revisits reasoning, proposing a novel method, Zorbive-Decoding, that "
     "plans ahead.", "Zorbive-Decoding", EntityType.TECHNIQUE),
    # in apposition to what it is; the named parts of what the paper proposes
    ("We further introduce a cross-room understanding benchmark, ZR-Scene, which "
     "contains tasks including ZR-QA and ZR-Caption.", "ZR-Scene", EntityType.BENCHMARK),
    ("We further introduce a cross-room understanding benchmark, ZR-Scene, which "
     "contains tasks including ZR-QA and ZR-Caption.", "ZR-Caption", EntityType.BENCHMARK),
])
def test_names_the_paper_calls_its_own_are_proposed(extractor, abstract, name, entity_type):
    result = extract_one(extractor, "A study", abstract)
    found = [m for m in result.mentions if m.text == name]
    assert found and all(m.proposed for m in found)
    assert found[0].type is entity_type


def test_acronyms_defined_in_the_list_a_proposal_announces_are_proposed(extractor):
    result = extract_one(extractor, "A study", "We propose three key innovations for serving: "
                         "adaptive chunking, Zorb Pipeline Parallelism (ZPP) to lower latency, "
                         "and Zorb Cache Parallelism (ZCP) to raise throughput.")
    assert {"ZPP", "ZCP"} <= {m.text for m in result.mentions if m.proposed}


def test_our_proposed_long_form_and_its_acronym_are_proposed(extractor):
    result = extract_one(extractor, "A study",
                         "Our proposed Braided Prompt Mixing (BPM) serves as a data generator.")
    assert {m.text for m in result.mentions if m.proposed} >= {"Braided Prompt Mixing", "BPM"}


@pytest.mark.parametrize("abstract,not_proposed", [
    # "Named Entity Recognition" is not a naming phrase
    ("Large models still fall short in Named Entity Recognition (NER) tasks.", "Entity"),
    # the first word of a longer coined name is not the name
    ("We propose ARTE, dubbed Aligning TeacheR with StudenT PreferencEs.", "Aligning"),
])
def test_capitalised_words_after_naming_words_that_are_not_names(extractor, abstract,
                                                                 not_proposed):
    result = extract_one(extractor, "A study", abstract)
    assert not_proposed not in {m.text for m in result.mentions}


@pytest.mark.parametrize("title,expected", [
    ("Boosting Tool Use of Large Language Models via Iterative Gated Fine-Tuning",
     "Iterative Gated Fine-Tuning"),
    ("Pruning Large Language Models with Semi-Structural Adaptive Sparse Training",
     "Semi-Structural Adaptive Sparse Training"),
    # a head that is no type cue: the capitalised phrase is still a method
    ("Accelerating Inference with Self-Zorbed Early Exits", "Self-Zorbed Early Exits"),
    ("Zorb-Selected Attention Span for Accelerating Inference", "Zorb-Selected Attention Span"),
])
def test_a_new_technique_named_at_the_end_of_a_title(extractor, title, expected):
    result = extract_one(extractor, title, "We study tool use. Results improve.")
    found = [m for m in result.mentions if m.text == expected]
    assert found and found[0].proposed and found[0].type is EntityType.TECHNIQUE


@pytest.mark.parametrize("title", [
    "Improving Reasoning of Language Models with Reinforcement Learning",  # known
    "Fast Inference with Multiple Decoding Heads",  # a quantity, not a name
    "Unleashing Problem Solving using FLAN Fine-Tuning",  # uses a name
    "Efficient Serving of Large Language Models via Large Language Model Fine-tuning",
    "LLM Bandit: Cost-Efficient Generation via Preference-Conditioned Dynamic Routing",
    "Efficient Training via Greater Activation Sparsity",  # a comparison
])
def test_title_endings_that_are_not_new_techniques(extractor, title):
    result = extract_one(extractor, title, "We study serving. Results improve.")
    tail = title.rsplit(" via ", 1)[-1].rsplit(" with ", 1)[-1].rsplit(" using ", 1)[-1]
    assert tail not in {m.text for m in result.mentions if m.proposed}


@pytest.mark.parametrize("title", [
    "Word Embeddings Are Steers for Language Models",  # a clause
    "Simultaneous Machine Translation with Large Language Models",  # a task
    "Neuro-Symbolic Language Modeling with Retrieval",  # a field
    "Large Language Model Inference with Lexical Shortlisting",  # about models
])
def test_title_openings_that_are_not_new_techniques(extractor, title):
    result = extract_one(extractor, title, "We study serving. Results improve.")
    opening = re.split(r" (?:for|with|via) ", title)[0]
    assert opening not in {m.text for m in result.mentions}


@pytest.mark.parametrize("name", ["ruT5", "FRED-T5", "ruGPT-3", "xLLaMA-100"])
def test_a_new_name_built_on_a_known_model_is_a_model(extractor, name):
    result = extract_one(extractor, "A study",
                         f"This paper presents encoder-decoder ({name}) variants for Russian.")
    assert names(result).get(name) is EntityType.MODEL


def test_a_title_prefix_that_only_folds_onto_a_known_name_is_still_found(extractor):
    # "VSTAR" and the curated "V-STaR" share a match key, but the gazetteer does not
    # match "VSTAR" as written: the title's name must not be lost
    result = extract_one(extractor, "VSTAR: Generative Nursing for Video Synthesis",
                         "We propose a method, dubbed VSTAR, for longer videos.")
    assert any(m.text == "VSTAR" and m.proposed for m in result.mentions)


def test_an_appositive_name_is_typed_by_what_follows_not_by_words_before_it(extractor):
    result = extract_one(extractor, "A study",
                         "Puzzles help; the reasoning model QuarkEval, a novel benchmark of "
                         "puzzles, fills the gap.")
    assert names(result).get("QuarkEval") is EntityType.BENCHMARK


def test_an_acronym_inside_a_name_gives_the_short_name_the_text_goes_on_to_use(extractor):
    result = extract_one(
        extractor, "Grouped Attention for long inputs",
        "We propose Densely-Tiled (D3) Attention, an attention algorithm. D3-Attention is "
        "fast, and D3-Attention is exact.")
    found = {m.text: m for m in result.mentions}
    assert "Densely-Tiled" not in found and "D3" not in found
    short, written = found["D3-Attention"], found["Densely-Tiled (D3) Attention"]
    assert short.proposed and written.proposed
    assert short.type is written.type is EntityType.TECHNIQUE
    assert short.aliases == ("Densely-Tiled (D3) Attention", "Densely-Tiled Attention")
    # a name with an acronym inside that the text never uses in short keeps the
    # ordinary definition: "(PLN)" still abbreviates its long form
    result = extract_one(extractor, "A study",
                         "We propose Pooled Latent Networks (PLN) Framework for images.")
    assert "PLN" in names(result)


@pytest.mark.parametrize("abstract,name,entity_type", [
    ("Results show that our proposed Quillon model is better.", "Quillon", EntityType.MODEL),
    ("Results show that our proposed model, Quillon, is better.", "Quillon", EntityType.MODEL),
])
def test_an_ordinary_capitalised_word_the_paper_calls_its_own_is_proposed(
        extractor, abstract, name, entity_type):
    found = {m.text: m for m in extract_one(extractor, "A study", abstract).mentions}
    assert found[name].proposed and found[name].type is entity_type


@pytest.mark.parametrize("abstract", [
    "Our proposed model, Matrix Norm, works.",  # the first word of a longer name
    "In our new Section we show the proposed English results.",
])
def test_capitalised_words_after_our_that_are_not_names(extractor, abstract):
    assert not [m for m in extract_one(extractor, "A study", abstract).mentions if m.proposed]


def test_a_long_form_led_by_a_number_is_a_name_typed_by_the_head_it_shares(extractor):
    result = extract_one(extractor, "A study",
                         "We train the models on the 77 Newsletters (77NL) and ZORBA datasets.")
    assert names(result)["77NL"] is EntityType.DATASET
    assert next(m for m in result.mentions if m.text == "77NL").aliases == ("77 Newsletters",)


def test_a_newly_constructed_benchmark_is_the_papers_own(extractor):
    result = extract_one(extractor, "A study", "On a newly constructed Interleaved Quiz-Text "
                         "(IQT) benchmark, our model exhibits superior performance.")
    short = next(m for m in result.mentions if m.text == "IQT")
    assert short.proposed and short.type is EntityType.BENCHMARK


@pytest.mark.parametrize("abstract,entity_type", [
    ("We build Quillon, an LLM training and inference kernel library for users.",
     EntityType.TECHNIQUE),
    ("We introduce Quillon, an efficient explanation method incorporating LM-specific ideas.",
     EntityType.TECHNIQUE),
    ("We introduce Quillon, a training-free Mixture-Compressor for MoE-LLMs.", None),
    ("We present Quillon, a new benchmark dataset for code.", EntityType.BENCHMARK),
    ("We introduce Quillon, the first pixel-based autoregressive LLM for text.", EntityType.MODEL),
])
def test_an_appositive_is_typed_by_its_head_noun(extractor, abstract, entity_type):
    found = [m for m in extract_one(extractor, "A study", abstract).mentions
             if m.text == "Quillon"]
    if entity_type is None:  # no head the resource knows: not typed as a dataset by "Mixture"
        assert all(m.type is not EntityType.DATASET for m in found)
    else:
        assert found and {m.type for m in found} == {entity_type}


def test_every_new_name_of_a_presented_family_is_proposed(extractor):
    result = extract_one(
        extractor, "A study",
        "This paper presents a collection of 9 Zulu Transformer LMs based on the encoder "
        "(zuBERT, zuRoBERTa) and decoder (zuGPT-3) models, trained on the Llama-3.1-8B-Base "
        "model. We compare them with XyzNet.")
    proposed = {m.text for m in result.mentions if m.proposed}
    assert proposed == {"zuBERT", "zuRoBERTa", "zuGPT-3"}


@pytest.mark.parametrize("abstract,short,long", [
    ("We introduce Mixture of Mellow Experts for Tables (Met) architecture.",
     "Met", "Mixture of Mellow Experts for Tables"),
    ("We use Partial Pinned Optimization Zones (PPOZ) here.", "PPOZ",
     "Partial Pinned Optimization Zones"),
    ("The Loss of Low-Rank Zoning (LoRZ) is high.", "LoRZ", "Low-Rank Zoning"),
])
def test_a_long_form_keeps_the_first_word_the_shortest_match_leaves_out(
        extractor, abstract, short, long):
    found = next(m for m in extract_one(extractor, "A study", abstract).mentions
                 if m.text == short)
    assert found.aliases == (long,)


def test_a_name_ending_in_a_named_technique_is_one_and_types_its_list(extractor):
    result = extract_one(extractor, "A study", "It has components such as ZQMatmul, "
                         "ZQSoftmax, and ZQSiLU, which are fast.")
    assert {m.text: m.type for m in result.mentions if m.text.startswith("ZQ")} == {
        "ZQMatmul": EntityType.TECHNIQUE, "ZQSoftmax": EntityType.TECHNIQUE,
        "ZQSiLU": EntityType.TECHNIQUE}


def test_an_innovative_long_form_with_its_acronym_is_the_papers_own(extractor):
    result = extract_one(extractor, "A study", "Our system utilizes an innovative zig-based "
                         "quorum network (ZQN) and a cache.")
    found = {m.text: m for m in result.mentions}
    assert found["ZQN"].proposed and found["ZQN"].aliases == ("zig-based quorum network",)


@pytest.mark.parametrize("abstract,short", [
    ("We propose a PEMs operation approach, namely Zig-before-Zag (Zig-Zag), to help.",
     "Zig-Zag"),
    ("We propose a novel comparison-based method called Quiet Ranking (QRk) for this.", "QRk"),
    ("We propose a novel detection method, zonal activation entropy (ZAE), for neurons.", "ZAE"),
])
def test_a_long_form_the_proposal_names_is_proposed(extractor, abstract, short):
    found = {m.text: m for m in extract_one(extractor, "A study", abstract).mentions}
    assert found[short].proposed


@pytest.mark.parametrize("abstract,expected", [
    ("This work introduces ZigAttention, a novel distributed attention algorithm that helps.",
     {("ZigAttention", "attention")}),
    ("We propose ZorbRAG, a new RAG framework for QA.", {("ZorbRAG", "RAG")}),
    ("We propose ZorbMask, a learnable pruning method for LLMs.", set()),  # one of many
    ("We present Zorb, a Transformer model trained on code.", set()),
])
def test_a_new_name_called_a_kind_of_a_technique_derives_from_it(extractor, abstract, expected):
    result = extract_one(extractor, "A study", abstract)
    assert {(c.child, c.parent) for c in result.lineage} == expected


def test_a_contrast_is_not_what_a_proposal_builds_on(extractor):
    result = extract_one(extractor, "A study",
                         "We propose Zorb Ranking (ZR). Unlike previous methods that are based "
                         "on in-context learning, ZR ranks pairs.")
    assert result.lineage == ()


def test_a_number_that_ends_a_name_in_a_list_is_part_of_it(extractor):
    names_found = names(extract_one(
        extractor, "A study", "We test on MT benchmarks, including FLORES 200, ZQREX 128 and "
        "QICO-19. We train ZQREX 12 times."))
    assert {"ZQREX 128", "QICO-19"} <= set(names_found)
    assert "ZQREX 12" not in names_found


@pytest.mark.parametrize("title,abstract,proposed", [
    ("Zonal Rendering: A Novel Approach for Low-resource Captions",
     "In this paper, we propose a new rendering paradigm, zonal rendering, to replace naive "
     "prompting. We show that zonal rendering helps.", True),
    ("Quiet Neurons: The Key to Multilingual Models",
     "We propose a novel detection method to identify quiet neurons within LLMs.", False),
])
def test_a_title_phrase_the_abstract_proposes_is_a_name(extractor, title, abstract, proposed):
    prefix = title.split(":")[0]
    found = [m for m in extract_one(extractor, title, abstract).mentions
             if m.text.lower() == prefix.lower() and m.proposed]
    assert bool(found) is proposed


def test_a_survey_title_names_its_topic_not_a_proposal(extractor):
    result = extract_one(extractor, "Zorbs-as-Judges: A Comprehensive Survey on Evaluation",
                         "We survey Zorbs-as-Judges, the use of models to judge outputs.")
    found = [m for m in result.mentions if m.text == "Zorbs-as-Judges"]
    assert found and not any(m.proposed for m in found)


@pytest.mark.parametrize("abstract,term", [
    ("This whole process is referred to as self-zorbing.", "self-zorbing"),
    ("We add a light module dubbed pool-zapper to the model.", "pool-zapper"),
    ("A method termed dynamic visual-token zapping that prunes tokens.",
     "dynamic visual-token zapping"),
    ("We observe what is referred to as extreme-token phenomena in LLMs.", None),
    ("We introduce proxy-zapping, a lightweight decoding-time algorithm for LMs.",
     "proxy-zapping"),
    ("We also propose cost-aware variants that incorporate the number of tokens.", None),
    ("We propose progressive short-to-long zapping training with a loss re-weighting scheme.",
     "progressive short-to-long zapping training"),
    ("We propose a two-stage training scheme to distil the model.", None),
])
def test_a_hyphenated_coinage_the_text_names_is_a_proposed_technique(extractor, abstract, term):
    proposed = {m.text: m.type for m in extract_one(extractor, "A study", abstract).mentions
                if m.proposed}
    assert proposed == ({term: EntityType.TECHNIQUE} if term else {})


def test_a_lower_case_term_hyphenated_in_part_is_found(extractor):
    found = extract_one(extractor, "A study", "We train with next-sentence prediction.").mentions
    assert [m.resource_id for m in found] == ["NSP"]


def test_a_name_typed_once_is_the_same_name_where_nothing_types_it(extractor):
    result = extract_one(extractor, "A study",
                         "Zorb-Q7 is a family of diffusion models. We present Zorb-Next, an "
                         "improved version of Zorb-Q7, with faster sampling.")
    uses = [m for m in result.mentions if m.text == "Zorb-Q7"]
    assert len(uses) == 2 and {m.type for m in uses} == {EntityType.MODEL}
    assert {(c.child, c.parent) for c in result.lineage} == {("Zorb-Next", "Zorb-Q7")}


@pytest.mark.parametrize("abstract,short,proposed", [
    ("This paper introduces a new approach called zapping stacks of language models (ZSLM), "
     "which stacks small models.", "ZSLM", True),
    ("We propose a novel training pipeline for semi-structured sparse models, named Zorbic "
     "Sparse Trainer (ZST).", "ZST", True),
    ("We propose a novel family of language models, Zorb-Thought Language Models (ZTLMs), "
     "that think.", "ZTLMs", True),
    ("We propose Zorbit, which uses Zorb Weight Quantization (ZWQ) to compress weights.",
     "ZWQ", False),
])
def test_the_name_a_proposal_gives_its_object_is_proposed(extractor, abstract, short, proposed):
    found = {m.text: m for m in extract_one(extractor, "A study", abstract).mentions}
    assert found[short].proposed is proposed


def test_a_review_the_paper_presents_is_no_proposed_entity(extractor):
    found = extract_one(extractor, "A study",
                        "This paper presents a systematic literature review (SLR) of methods.")
    assert not [m for m in found.mentions if m.proposed]


def test_a_name_glued_to_the_next_word_is_the_name_found_elsewhere(extractor):
    found = [m.text for m in extract_one(
        extractor, "A study", "We build ZKernel, a kernel library for attention. We open-sourced "
        "ZKerneland make it compatible with vLLM. We show ZKernelcan help.").mentions]
    assert found.count("ZKernel") == 3 and "ZKerneland" not in found
    assert "ZKernelcan" not in found


def test_capitalised_components_of_the_papers_work_are_proposed_techniques(extractor):
    result = extract_one(
        extractor, "A study",
        "This paper introduces a framework. Our framework comprises three components: (1) the "
        "ZPI Retriever selects APIs; (2) ZLM Finetuner tunes a base LLM; (3) the Zemo Selector "
        "retrieves demonstrations. We also use the Context Zrop method to merge tokens, and we "
        "unlearn the Zarry Potter books. Zorb Selector is not named mid-sentence here.")
    found = {m.text: (m.type, m.proposed) for m in result.mentions}
    technique = EntityType.TECHNIQUE
    assert found == {"ZPI Retriever": (technique, True), "ZLM Finetuner": (technique, True),
                     "Zemo Selector": (technique, True), "Context Zrop": (technique, False)}


@pytest.mark.parametrize("title,abstract,entity_type", [
    ("ZorbLLM: Long Context with Shared Memory",
     "We propose ZorbLLM, a novel approach grounded in context compression.",
     EntityType.TECHNIQUE),
    ("ZorbLLM: A Unified Framework for Long Context",
     "ZorbLLM reads long documents and answers questions about them.", EntityType.MODEL),
])
def test_a_glued_llm_name_is_a_model_unless_the_abstract_says_what_it_is(
        extractor, title, abstract, entity_type):
    found = {m.type for m in extract_one(extractor, title, abstract).mentions
             if m.text == "ZorbLLM"}
    assert found == {entity_type}


def test_an_acronym_of_a_one_word_name_is_typed_by_the_names_shape(extractor):
    found = names(extract_one(extractor, "A study",
                              "We propose a novel automatic evaluation task: ZorbRankEval (ZRE)."))
    assert found["ZRE"] is EntityType.BENCHMARK


@pytest.mark.parametrize("abstract,name,entity_type", [
    ("We propose a novel training pipeline for sparse models, named ZorbST, to prune weights.",
     "ZorbST", EntityType.TECHNIQUE),
    ("This paper introduces a new approach called zapping stacks of language models (ZSLM).",
     "ZSLM", EntityType.TECHNIQUE),
    ("We present a unified learning-based framework called ZLMOPT to boost generalization.",
     "ZLMOPT", EntityType.TECHNIQUE),
    ("We present a new foundation model called Zroc, trained on images.", "Zroc",
     EntityType.MODEL),
    ("We develop a Chinese dataset for error correction, named ZhFT.", "ZhFT",
     EntityType.DATASET),
    ("We show the enhanced abilities of our model, ZLACUNA, on many tasks.", "ZLACUNA",
     EntityType.MODEL),
])
def test_a_name_is_typed_by_the_head_of_the_phrase_it_names(extractor, abstract, name,
                                                             entity_type):
    assert names(extract_one(extractor, "A study", abstract))[name] is entity_type


def test_a_dataset_the_paper_assesses_models_on_is_a_benchmark(extractor):
    found = names(extract_one(extractor, "A study",
                              "We first assessed the performance of these models on the "
                              "ZewsGroups dataset."))
    assert found["ZewsGroups"] is EntityType.BENCHMARK


def test_new_names_of_a_contribution_that_makes_something_are_proposed(extractor):
    result = extract_one(
        extractor, "A study",
        "Our key contributions include: (1) designing SNN-compatible components such as "
        "ZNNMatmul, ZNNSoftmax, and ZNNSiLU; (2) implementing an approximation; (3) evaluating "
        "ZonDA-7B and ZADAR-13B on MMLU.")
    proposed = {m.text for m in result.mentions if m.proposed}
    assert proposed == {"ZNNMatmul", "ZNNSoftmax", "ZNNSiLU"}


def test_the_uses_of_a_name_take_the_type_the_paper_introduced_it_with(extractor):
    result = extract_one(extractor, "A study",
                         "We propose a unified learning-based framework called ZLMOPT. Then, "
                         "ZLMOPT constructs a formulation. ZLMOPT beats strong baselines.")
    assert {m.type for m in result.mentions if m.text == "ZLMOPT"} == {EntityType.TECHNIQUE}


def test_a_new_name_the_code_is_released_under_is_proposed(extractor):
    result = extract_one(extractor, "Scaling diffusion models", "We convert GPT2 into "
                         "ZorbGPT, using few tokens. Code: https://github.com/zorb-lab/ZorbGPT.")
    assert {m.text: m.proposed for m in result.mentions if m.text == "ZorbGPT"} == \
        {"ZorbGPT": True}


@pytest.mark.parametrize("abstract", [
    "We compare ZorbGPT with vLLM. Papers are listed at "
    "https://github.com/someone/Awesome-ZorbGPT and https://github.com/vllm-project/vllm.",
    # a repository named after a new name, but cited, not released
    "We compare our method with ZorbGPT (https://github.com/other/ZorbGPT) on MMLU.",
])
def test_a_repository_of_other_work_proposes_nothing(extractor, abstract):
    result = extract_one(extractor, "A survey", abstract)
    assert [m.text for m in result.mentions if m.proposed] == []


def test_a_coined_word_used_again_and_again_is_an_entity(extractor):
    abstract = ("We propose to adapt pre-trained LMs into ZorbCompressors. They compress "
                "contexts. We show that ZorbCompressors can use long contexts, and we release "
                "code on GitHub and a demo on GitHub.")
    names = {m.text for m in extract_one(extractor, "Adapting models", abstract).mentions}
    assert "ZorbCompressors" in names and "GitHub" not in names


def test_words_with_an_inner_capital_that_are_no_coinage_are_not_entities(extractor):
    abstract = ("We predict the pH of mRNA samples. The pH and mRNA values vary. "
                "Users post on WeChat and TikTok; WeChat and TikTok differ.")
    assert extract_one(extractor, "A study", abstract).mentions == ()


def test_a_coined_word_used_once_without_a_cue_is_not_an_entity(extractor):
    abstract = "We adapt pre-trained LMs into ZorbCompressors that compress contexts."
    assert extract_one(extractor, "Adapting models", abstract).mentions == ()


@pytest.mark.parametrize("text", ["We add the layer-wise loss (L2) of each block. The L2 "
                                  "term helps.", "It runs on a Zorb chip (Z2). The Z2 is fast."])
def test_a_counted_letter_must_begin_a_word_of_the_long_form(extractor, text):
    assert extract_one(extractor, "A study", text).mentions == ()


def test_an_acronym_that_counts_a_letter_is_defined(extractor):
    abstract = ("We propose a policy gradient algorithm, Pairwise Pooled Policy Optimization "
                "(P3O), that works on comparisons. P3O beats PPO.")
    found = {m.text: m for m in extract_one(extractor, "A study", abstract).mentions}
    assert found["P3O"].proposed and "Pairwise Pooled Policy Optimization" in \
        found["P3O"].aliases


def test_a_name_given_to_a_version_of_another_derives_from_it(extractor):
    abstract = ("We introduce a hybrid version of ZorbOpt (called ZorbOpt-H) that switches "
                "between them. A version of GPT-4 called by many users is compared.")
    result = extract_one(extractor, "ZorbOpt: a fast optimizer", abstract)
    assert [(c.child, c.parent) for c in result.lineage] == [("ZorbOpt-H", "ZorbOpt")]
