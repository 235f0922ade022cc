"""The reader of saved ``api/daily_papers`` responses."""

from pathlib import Path

from paperkg.ingest import iter_papers
from paperkg.records import Paper, Skip

FIXTURES = Path(__file__).parent / "fixtures"


def test_daily_papers_response():
    items = list(iter_papers(FIXTURES / "daily_papers.json"))
    flacuna, phi, no_summary, not_object = items
    assert isinstance(flacuna, Paper) and isinstance(phi, Paper)
    assert flacuna.key == "arxiv:2307.02053" and flacuna.arxiv_id == "2307.02053"
    assert flacuna.title.startswith("Flacuna: Unleashing")
    assert flacuna.abstract.startswith("Recently, the release of INSTRUCTEVAL")
    assert flacuna.authors == ("Deepanway Ghosal", "Yew Ken Chia")
    assert flacuna.date == "2023-07-05"
    assert flacuna.source.endswith("daily_papers.json:2")
    assert phi.source.endswith("daily_papers.json:19")
    assert no_summary == Skip(str(FIXTURES / "daily_papers.json"), 29, "missing abstract")
    assert isinstance(not_object, Skip) and not_object.reason == "expected an object, got a string"


def test_not_an_array_and_broken_items(tmp_path):
    path = tmp_path / "daily.json"
    path.write_text('{"title": "an object"}')
    (skip,) = iter_papers(path, "hf-api")
    assert skip.reason == "expected a JSON array of daily-papers items"
    path.write_text('[\n{"title": "A", "summary": "B", "paper": {"id": "2401.00001"}}\n{"title"')
    paper, broken = iter_papers(path, "hf-api")
    assert paper.key == "arxiv:2401.00001"
    assert broken.line == 3
    assert broken.reason == "invalid JSON: expected ',' or ']'; rest of file not read"
    path.write_text("[" * 100_000)
    (deep,) = iter_papers(path, "hf-api")
    assert deep.reason == "invalid JSON: nested too deeply; rest of file not read"


def test_a_plain_array_of_arxiv_metadata_keeps_its_fields(tmp_path):
    """The same records as JSON Lines and as one JSON array give the same papers."""
    import json

    records = [{"id": "2106.09685", "title": "LoRA", "abstract": "We propose LoRA.",
                "doi": "10.48550/arXiv.2106.09685", "categories": "cs.CL cs.LG",
                "update_date": "2021-10-18", "authors": "E. Hu, Y. Shen"},
               {"id": "2401.00001", "title": "T", "summary": "S", "publishedAt": "2024-01-02"}]
    array, lines = tmp_path / "meta.json", tmp_path / "meta.jsonl"
    array.write_text(json.dumps(records, indent=1))
    lines.write_text("".join(json.dumps(r) + "\n" for r in records))
    from_array = list(iter_papers(array))
    lora, other = from_array
    assert lora.date == "2021-10-18" and lora.doi and lora.categories == ("cs.CL", "cs.LG")
    assert lora.key == "arxiv:2106.09685"
    assert other.key == "arxiv:2401.00001" and other.date == "2024-01-02"
    [lora_line, _] = iter_papers(lines)
    assert (lora.key, lora.date, lora.doi, lora.categories, lora.authors) == (
        lora_line.key, lora_line.date, lora_line.doi, lora_line.categories, lora_line.authors)


def test_a_broken_item_says_the_rest_is_not_read_and_trailing_text_is_a_skip(tmp_path):
    path = tmp_path / "daily.json"
    good = '{"title": "T%d", "summary": "We use BERT.", "paper": {"id": "2401.0000%d"}}'
    path.write_text("[\n" + ",\n".join([good % (1, 1), '{"title": "Bad" "summary": "x"}',
                                         good % (3, 3)]) + "\n]\n")
    first, broken = iter_papers(path, "hf-api")
    assert first.key == "arxiv:2401.00001"
    assert broken.line == 3
    assert broken.reason == "invalid JSON: Expecting ',' delimiter; rest of file not read"
    path.write_text("[" + good % (1, 1) + "]\ntrailing words\n")
    paper, trailing = iter_papers(path, "hf-api")
    assert paper.key == "arxiv:2401.00001"
    assert (trailing.line, trailing.reason) == (2, "text after the end of the array, not read")
    path.write_text("[" + good % (1, 1) + "]\n\n")
    assert len(list(iter_papers(path, "hf-api"))) == 1


def test_a_text_field_wins_over_a_non_text_one_of_the_same_name(tmp_path):
    """The item's own title is an object here; the paper's title is the text to keep."""
    path = tmp_path / "daily.json"
    path.write_text('[{"title": {"x": 1}, "paper": {"id": "2401.00001", "title": "Real title", '
                    '"summary": "S"}}, {"title": NaN, "paper": {"id": "2401.00002"}}]')
    paper, nan = iter_papers(path, "hf-api")
    assert isinstance(paper, Paper) and paper.title == "Real title"
    assert nan.reason == "invalid JSON: NaN is not a JSON value; rest of file not read"


def test_an_integer_too_long_for_python_is_named_without_python_advice(tmp_path):
    path = tmp_path / "big.json"
    path.write_text('[{"title": "T", "abstract": "A", "upvotes": ' + "9" * 5000 + "}]")
    (skip,) = iter_papers(path)
    assert skip.reason.startswith("invalid JSON: Exceeds the limit")
    assert "sys.set_int_max_str_digits" not in skip.reason
