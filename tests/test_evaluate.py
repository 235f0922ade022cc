"""The scorer: contract matching rules on tiny gold files with known answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from paperkg.errors import InputError
from paperkg.evaluate import evaluate, load_gold


def write_gold(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def entity(name, type_, aliases=(), proposed=False, kind="named"):
    return {"name": name, "type": type_, "kind": kind, "aliases": list(aliases),
            "proposed": proposed}


def test_scores_match_hand_counts(tmp_path):
    gold = write_gold(tmp_path / "gold.jsonl", [{
        "id": "p1", "title": "A study",
        "abstract": "We fine-tune LLaMA with Low-Rank Adaptation and evaluate on MMLU.",
        "entities": [entity("LLaMA", "Model"), entity("LoRA", "Technique", ["Low-Rank Adaptation"]),
                     entity("MMLU", "Dataset"), entity("FooBarNet", "Model")],
        "lineage": [],
    }])
    result = evaluate(gold)
    assert (result.untyped.tp, result.untyped.fp, result.untyped.fn) == (3, 0, 1)
    assert (result.typed.tp, result.typed.fp, result.typed.fn) == (2, 1, 2)
    assert result.per_type["Benchmark"].fp == 1 and result.per_type["Dataset"].fn == 1
    assert result.named_recall.recall == pytest.approx(0.75)


def test_matching_ignores_case_and_punctuation_and_counts_once(tmp_path):
    gold = write_gold(tmp_path / "gold.jsonl", [{
        "id": "p1", "title": "T", "abstract": "We compare GPT4 and gpt-4 with LLaMa.",
        "entities": [entity("GPT-4", "Model"), entity("LLAMA", "Model")], "lineage": [],
    }])
    result = evaluate(gold)
    assert (result.untyped.tp, result.untyped.fp, result.untyped.fn) == (2, 0, 0)


def test_proposed_and_lineage_scores(tmp_path):
    gold = write_gold(tmp_path / "gold.jsonl", [{
        "id": "p1", "title": "ZetaTune: Tuning",
        "abstract": "We introduce ZetaTune, a method that extends LoRA. It beats QLoRA.",
        "entities": [entity("ZetaTune", "Technique", proposed=True), entity("LoRA", "Technique"),
                     entity("QLoRA", "Technique")],
        "lineage": [{"child": "ZetaTune", "parent": "LoRA", "evidence": "extends LoRA"}],
    }])
    result = evaluate(gold)
    assert (result.proposed.tp, result.proposed.fp, result.proposed.fn) == (1, 0, 0)
    # QLoRA <- LoRA is in the graph (read off the names), but two names the field
    # knows are not this paper's lineage
    assert (result.lineage.tp, result.lineage.fp, result.lineage.fn) == (1, 0, 0)


def test_a_derivation_only_the_curated_resource_gives_is_not_the_paper_s_lineage(tmp_path):
    # the resource says RoBERTa derives from BERT; this text compares them only, so
    # by the guidelines the paper states no lineage (the graph still has the edge)
    gold = write_gold(tmp_path / "gold.jsonl", [{
        "id": "p1", "title": "A comparison",
        "abstract": "We compare BERT and RoBERTa on MMLU. RoBERTa scores higher.",
        "entities": [entity("BERT", "Model"), entity("RoBERTa", "Model"),
                     entity("MMLU", "Benchmark")],
        "lineage": [],
    }])
    assert (evaluate(gold).lineage.tp, evaluate(gold).lineage.fp) == (0, 0)
    stated = write_gold(tmp_path / "stated.jsonl", [{
        "id": "p1", "title": "A comparison",
        "abstract": "RoBERTa, a model based on BERT, scores higher on MMLU.",
        "entities": [entity("BERT", "Model"), entity("RoBERTa", "Model"),
                     entity("MMLU", "Benchmark")],
        "lineage": [{"child": "RoBERTa", "parent": "BERT", "evidence": "based on BERT"}],
    }])
    assert (evaluate(stated).lineage.tp, evaluate(stated).lineage.fp) == (1, 0)


def test_bad_gold_file_is_an_input_error(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json}\n")
    with pytest.raises(InputError, match="bad.jsonl:1"):
        load_gold(bad)
    with pytest.raises(InputError, match="no such gold file"):
        load_gold(tmp_path / "missing.jsonl")


@pytest.mark.skipif(not os.path.isdir("/dev/fd"), reason="needs /dev/fd")
def test_gold_read_from_a_pipe(tmp_path):
    """`paperkg evaluate <(grep ... gold.jsonl)` hands over /dev/fd/N, a pipe."""
    line = json.dumps({"id": "p1", "title": "T", "abstract": "We use BERT.",
                       "entities": [{"name": "BERT", "type": "Model"}]})
    read_end, write_end = os.pipe()
    os.write(write_end, (line + "\n").encode())
    os.close(write_end)
    try:
        papers = load_gold(f"/dev/fd/{read_end}")
    finally:
        os.close(read_end)
    assert [(p.id, [e.name for e in p.entities]) for p in papers] == [("p1", ["BERT"])]


def test_details_list_lineage_errors(tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({
        "id": "p1", "title": "QLoRA: Efficient Finetuning",
        "abstract": "We present QLoRA, which extends LoRA. We compare with Alpaca.",
        "entities": [
            {"name": "QLoRA", "type": "Technique", "kind": "named", "aliases": [], "proposed": True},
            {"name": "LoRA", "type": "Technique", "kind": "named", "aliases": [], "proposed": False},
            {"name": "Alpaca", "type": "Model", "kind": "named", "aliases": [], "proposed": False},
        ],
        "lineage": [{"child": "QLoRA", "parent": "LoRA", "evidence": "extends LoRA"},
                    {"child": "QLoRA", "parent": "Alpaca", "evidence": "made up"}],
    }) + "\n", encoding="utf-8")
    result = evaluate(gold)
    [paper] = result.errors
    assert paper["lineage_false_negatives"] == ["QLoRA <- Alpaca"]
    assert result.lineage.tp == 1 and result.lineage.fn == 1
    assert paper["lineage_false_positives"] == [] and result.lineage.fp == 0


def test_details_list_proposed_errors(tmp_path):
    gold = write_gold(tmp_path / "gold.jsonl", [{
        "id": "p1", "title": "ZetaTune: Tuning",
        "abstract": "We introduce ZetaTune, a method that extends LoRA.",
        "entities": [entity("ZetaTune", "Technique"), entity("LoRA", "Technique", proposed=True)],
        "lineage": [],
    }])
    result = evaluate(gold)
    [paper] = result.errors
    assert paper["proposed_false_positives"] == ["ZetaTune"]
    assert paper["proposed_false_negatives"] == ["LoRA"]
    assert (result.proposed.tp, result.proposed.fp, result.proposed.fn) == (0, 1, 1)


@pytest.mark.parametrize("line,expected", [
    ('{"id": "a", "title": "t", "abstract": "x"}', "missing entities"),
    ('{"id": "a", "title": "t", "abstract": "x", "entities": ["LoRA"]}',
     "entities must be a list of objects with name and type"),
    ("[1]", "expected a JSON object with id, title, abstract, entities"),
    ('{"id": "a", "title": "t", "abstract": "x", "entities": [{"name": "LoRA"}]}',
     "an entity or lineage link lacks 'type'"),
    ("{not json", "invalid JSON"),
    ('{"id": "a", "title": null, "abstract": "x", "entities": []}', "title must be a string"),
    ('{"id": "a", "title": "t", "abstract": ["x"], "entities": []}',
     "abstract must be a string"),
    ('{"id": "a", "title": "t", "abstract": "x", "entities": '
     '[{"name": "LoRA", "type": "Technique", "proposed": "false"}]}',
     "proposed of 'LoRA' must be true or false"),
    ('{"id": "a", "title": "t", "abstract": "x", "entities": '
     '[{"name": "MMLU", "type": "Benchmrak"}]}',
     "entity 'MMLU' has type 'Benchmrak'; the types are Model, Dataset, Benchmark, Technique"),
    ('{"id": "a", "title": "t", "abstract": "x", "entities": [{"name": "A", "type": "Model"}], '
     '"lineage": [{"child": 5, "parent": "A"}]}',
     'lineage child and parent must be entity names (strings), not 5 <- "A"'),
    ('{"id": "a", "title": "t", "abstract": "x", "entities": [{"name": "A", "type": "Model"}], '
     '"lineage": [{"child": "A", "parent": null}]}',
     'lineage child and parent must be entity names (strings), not "A" <- null'),
    ('{"id": "a", "title": "t", "abstract": "x", "entities": '
     '[{"name": "Low-Rank Adaptation", "type": "Technique", "aliases": "LoRA"}]}',
     "aliases of 'Low-Rank Adaptation' must be a list of names, not \"LoRA\""),
    ('{"id": "a", "title": "t", "abstract": "x", "entities": '
     '[{"name": "LoRA", "type": "Technique", "aliases": ["Low-Rank", 7]}]}',
     "aliases of 'LoRA' must be a list of names"),
    ('{"id": null, "title": "t", "abstract": "x", "entities": []}',
     "id must be a string (got null)"),
    ('{"id": "a", "title": "t", "abstract": "x", "entities": [{"name": 3, "type": "Model"}]}',
     "entity name 3 must be a non-empty string"),
    # build skips such a record; spaCy refuses texts over 1,000,000 characters
    (json.dumps({"id": "a", "title": "t", "abstract": "LoRA " * 20_001, "entities": []}),
     "abstract too long (100,004 characters; build skips abstracts over 100,000)"),
])
def test_bad_gold_lines_say_what_is_wrong_in_the_format_s_words(tmp_path, line, expected):
    path = tmp_path / "gold.jsonl"
    path.write_text(line + "\n")
    with pytest.raises(InputError) as caught:
        load_gold(path)
    assert str(caught.value).startswith(f"{path}:1: ") and expected in str(caught.value)
    assert "string indices" not in str(caught.value)


def test_a_folder_is_not_a_gold_file(tmp_path):
    with pytest.raises(InputError, match="is a folder; give the gold JSON Lines file"):
        load_gold(tmp_path)


@pytest.mark.parametrize("name", [f"heldout-{s}.jsonl" for s in "abcdefghijklmnopqrstuv"])
def test_the_held_out_sets_are_gold_files_of_twenty_papers(name):
    from pathlib import Path

    papers = load_gold(Path(__file__).parents[1] / "evaluation" / name)
    assert len(papers) == 20 and all(p.abstract and p.title for p in papers)
    assert sum(len(p.entities) for p in papers) > 50


def test_the_held_out_sets_are_disjoint_from_each_other_and_from_dev():
    from pathlib import Path

    root = Path(__file__).parents[1]
    sets = [{p.title.lower() for p in load_gold(root / "evaluation" / f"heldout-{s}.jsonl")}
            for s in "abcdefghijklmnopqrstuv"]
    assert sum(len(s) for s in sets) == len(set().union(*sets)) == 440
    dev = root.parent / "shared" / "gold" / "dev.jsonl"
    if dev.exists():
        assert not set().union(*sets) & {p.title.lower() for p in load_gold(dev)}


def test_the_table_shows_an_undefined_ratio_as_a_dash():
    from paperkg.evaluate import Evaluation, Score, format_evaluation

    result = Evaluation(papers=1)
    result.per_type["Dataset"] = Score(tp=0, fp=0, fn=2)  # gold has it, never predicted
    result.per_type["Model"] = Score(tp=0, fp=3, fn=0)  # predicted, gold never has it
    lines = {line.split()[0]: line.split() for line in format_evaluation(result).splitlines()[2:]}
    assert lines["Dataset"][1:4] == ["-", "0.000", "0.000"]
    assert lines["Model"][1:4] == ["0.000", "-", "0.000"]
    # nothing to count at all: no F1 either
    assert lines["lineage"][1:4] == ["-", "-", "-"]
    assert lines["named-entity"][-1] == "-"


def test_json_gives_null_for_an_undefined_ratio():
    from paperkg.evaluate import Evaluation, Score

    result = Evaluation(papers=1)
    result.per_type["Dataset"] = Score(tp=0, fp=0, fn=2)
    data = result.as_dict()
    assert data["per_type"]["Dataset"] == {"precision": None, "recall": 0.0, "f1": 0.0,
                                           "tp": 0, "fp": 0, "fn": 2}
    assert data["lineage"] == {"precision": None, "recall": None, "f1": None,
                               "tp": 0, "fp": 0, "fn": 0}
    assert data["named_recall"] is None
    assert Score(tp=1, fp=1, fn=0).as_dict()["f1"] == pytest.approx(0.667)


def test_details_list_type_disagreements(tmp_path):
    gold = write_gold(tmp_path / "gold.jsonl", [{
        "id": "p1", "title": "A study",
        "abstract": "We fine-tune LLaMA with LoRA and evaluate on MMLU.",
        "entities": [entity("LLaMA", "Technique"), entity("LoRA", "Technique"),
                     entity("MMLU", "Benchmark")],
        "lineage": [],
    }])
    result = evaluate(gold)
    [paper] = result.errors
    assert paper["type_disagreements"] == ["LLaMA: Model, gold Technique"]
    assert (result.untyped.tp, result.typed.tp) == (3, 2)


def test_a_name_edge_between_two_known_entities_is_not_the_papers_lineage(tmp_path):
    gold = write_gold(tmp_path / "gold.jsonl", [
        {"id": "p1", "title": "A study", "abstract": "We compare Llama-2 with LLaMA on MMLU.",
         "entities": [entity("Llama-2", "Model"), entity("LLaMA", "Model"),
                      entity("MMLU", "Benchmark")],
         "lineage": []},
        {"id": "p2", "title": "Zorb-BERT: a compact encoder",
         "abstract": "We present Zorb-BERT, a small encoder. Zorb-BERT beats BERT on GLUE.",
         "entities": [entity("Zorb-BERT", "Model", proposed=True), entity("BERT", "Model"),
                      entity("GLUE", "Benchmark")],
         "lineage": [{"child": "Zorb-BERT", "parent": "BERT", "evidence": "Zorb-BERT"}]},
    ])
    result = evaluate(gold)
    assert (result.lineage.tp, result.lineage.fp, result.lineage.fn) == (1, 0, 0)


def test_two_gold_papers_with_one_id_are_refused(tmp_path):
    # predictions are matched to gold papers by id: a shared id would score each
    # paper against the other's entities
    path = tmp_path / "gold.jsonl"
    rows = [{"id": "g1", "title": t, "abstract": "x", "entities": []} for t in ("A", "B")]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    with pytest.raises(InputError, match="gold.jsonl:2: id 'g1' is already the id of line 1"):
        load_gold(path)


def run_evaluate(*args: str) -> subprocess.CompletedProcess:
    """``paperkg evaluate`` through the real entry point."""
    return subprocess.run([sys.executable, "-m", "paperkg", "evaluate", *args],
                          capture_output=True, text=True, timeout=300)


def test_a_bad_lineage_end_is_a_one_line_error_through_the_cli(tmp_path):
    gold = write_gold(tmp_path / "gold.jsonl", [{
        "id": "x", "title": "t", "abstract": "a", "entities": [entity("A", "Model")],
        "lineage": [{"child": 5, "parent": "A"}]}])
    result = run_evaluate(str(gold))
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert f"{gold}:1: not a gold record: lineage child and parent" in result.stderr


def test_a_lone_surrogate_in_the_text_is_cleaned_as_build_cleans_it(tmp_path):
    # valid JSON ("\ud800" escape) that no UTF-8 encoder accepts: build turns it into
    # U+FFFD, and so does evaluate, in the text extracted and in the details shown
    gold = write_gold(tmp_path / "gold.jsonl", [{
        "id": "s1", "title": "t \ud800", "abstract": "We fine-tune LLaMA with LoRA.\ud800",
        "entities": [entity("LLaMA", "Model"), entity("LoRA", "Technique")], "lineage": []}])
    [paper] = load_gold(gold)
    assert (paper.title, paper.abstract) == ("t \ufffd", "We fine-tune LLaMA with LoRA.\ufffd")
    result = run_evaluate(str(gold), "--details", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["untyped"]["tp"] == 2


@pytest.mark.parametrize("order", [(0, 1, 2), (1, 0, 2), (2, 1, 0)])
def test_entity_matching_is_the_largest_pairing_whatever_the_order(tmp_path, order):
    # predicted LoRA (alias low-rank adaptation) and LoRA+ both have the key "lora";
    # a greedy pairing lets LoRA take gold LoRA+ and leaves LoRA+ unmatched
    entities = [entity("LoRA+", "Technique"),
                entity("low-rank adaptation", "Technique", kind="concept"),
                entity("MMLU", "Benchmark")]
    gold = write_gold(tmp_path / "gold.jsonl", [{
        "id": "b1", "title": "A comparison",
        "abstract": "We compare low-rank adaptation with LoRA+ on MMLU.",
        "entities": [entities[i] for i in order], "lineage": []}])
    result = evaluate(gold)
    assert (result.untyped.tp, result.untyped.fp, result.untyped.fn) == (3, 0, 0)
    assert (result.typed.tp, result.typed.fp, result.typed.fn) == (3, 0, 0)
    assert result.errors[0]["false_positives"] == result.errors[0]["false_negatives"] == []


def test_pairing_is_maximal_and_typed_pairs_are_matched_on_their_own():
    from paperkg.evaluate import GoldEntity, Predicted, _match, _type_disagreements

    def predicted(label, type_, *names):
        return Predicted(label, type_, frozenset({label.lower(), *names}), False)

    def gold(name, type_, *names):
        return GoldEntity(name, type_, "named", frozenset({name.lower(), *names}), False)

    # a shares keys with A and B, b only with A: only a-B, b-A pairs both
    mine = [predicted("a", "Model", "b"), predicted("b", "Model")]
    golds = [gold("B", "Model"), gold("A", "Model", "a")]
    for p in (mine, mine[::-1]):
        for g in (golds, golds[::-1]):
            assert (_match(p, g)[0].tp, _match(p, g, typed=True)[0].tp) == (2, 2)
    # the typed score is the largest pairing of entities of one type (greedily, x
    # takes the Model A2 and leaves y nothing), and the untyped pairing, as large,
    # prefers pairs whose types agree, so no disagreement is listed here
    mine = [predicted("x", "Model", "a", "b"), predicted("y", "Model", "a")]
    golds = [gold("A", "Technique", "a"), gold("A2", "Model", "a"), gold("B", "Model", "b")]
    assert (_match(mine, golds)[0].tp, _match(mine, golds, typed=True)[0].tp) == (2, 2)
    assert _type_disagreements(mine, golds) == []


def test_a_gold_lineage_end_may_be_an_alias_of_a_gold_entity(tmp_path):
    gold = write_gold(tmp_path / "gold.jsonl", [{
        "id": "c1", "title": "ZorbNet: a new model",
        "abstract": "We propose ZorbNet, a new model based on QuuxFormer. QuuxFormer was "
                    "first released as QuuxMachine.",
        "entities": [entity("ZorbNet", "Model", proposed=True),
                     entity("QuuxFormer", "Model", ["QuuxMachine"])],
        "lineage": [{"child": "ZorbNet", "parent": "QuuxMachine"}]}])
    result = evaluate(gold)
    assert (result.lineage.tp, result.lineage.fp, result.lineage.fn) == (1, 0, 0)


@pytest.mark.parametrize("separator", ["\u2028", "\u0085"])
def test_line_and_next_line_separators_inside_a_string_do_not_end_the_line(tmp_path,
                                                                             separator):
    # JSON Lines ends lines with "\n" (or "\r\n") only
    abstract = f"We present QLoRA, which extends LoRA.{separator}It is evaluated on MMLU."
    rows = [{"id": "u1", "title": "QLoRA paper", "abstract": abstract,
             "entities": [entity("QLoRA", "Technique", proposed=True)]},
            {"id": "u1", "title": "Another", "abstract": "x", "entities": []}]
    path = tmp_path / "gold.jsonl"
    path.write_bytes("".join(json.dumps(r, ensure_ascii=False) + "\r\n" for r in rows)
                     .encode("utf-8"))
    with pytest.raises(InputError, match="gold.jsonl:2: id 'u1' is already the id of line 1"):
        load_gold(path)
    path.write_bytes((json.dumps(rows[0], ensure_ascii=False) + "\r\n").encode("utf-8"))
    [paper] = load_gold(path)
    assert paper.abstract == "We present QLoRA, which extends LoRA. It is evaluated on MMLU."


def test_evaluate_applies_the_merges_of_resources(tmp_path):
    """`evaluate --resources DIR` read the entities but not merges.jsonl, so it scored
    another resolution than `build --resources DIR` makes."""
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({
        "id": "p1", "title": "ZorbNet and ZorbNet2",
        "abstract": "We propose ZorbNet, a new model. We also propose ZorbNet2, a new model.",
        "entities": [{"name": "ZorbNet", "type": "Model", "aliases": ["ZorbNet2"],
                      "proposed": True}]}) + "\n")
    folder = tmp_path / "res"
    folder.mkdir()
    (folder / "merges.jsonl").write_text('{"names": ["Unused", "Other"]}\n')
    plain = evaluate(gold, [str(folder)])
    (folder / "merges.jsonl").write_text('{"names": ["ZorbNet", "ZorbNet2"]}\n')
    merged = evaluate(gold, [str(folder)])
    assert (plain.untyped.tp, plain.untyped.fp) == (1, 1)
    assert (merged.untyped.tp, merged.untyped.fp) == (1, 0)
