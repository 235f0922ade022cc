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
    assert broken.line == 3 and broken.reason == "invalid JSON: expected ',' or ']'"
    path.write_text("[" * 100_000)
    (deep,) = iter_papers(path, "hf-api")
    assert deep.reason == "invalid JSON: nested too deeply"
