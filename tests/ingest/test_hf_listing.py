"""The Hugging Face listing reader: both layouts, page chrome, glued "Subscribe", orphans."""

from pathlib import Path

import pytest

from paperkg.ingest import iter_papers
from paperkg.ingest.hf_listing import is_chrome, looks_like_abstract
from paperkg.records import Paper, Skip

FIXTURES = Path(__file__).parent / "fixtures"


def _read(name: str) -> list[Paper | Skip]:
    return list(iter_papers(FIXTURES / name))


def test_blank_line_layout_skips_chrome_and_pairs_titles_with_abstracts():
    papers = _read("listing_blank.txt")
    assert all(isinstance(paper, Paper) for paper in papers)
    assert [paper.title for paper in papers] == [
        "LoRA: Low-Rank Adaptation of Large Language Models",
        "Who's Harry Potter? Approximate Unlearning in LLMs",
        "The LLM Surgeon",
    ]
    assert papers[0].abstract.startswith("An important paradigm of natural language processing")
    assert papers[0].abstract.endswith("of the Transformer architecture.")
    assert [paper.source.rsplit(":", 1)[1] for paper in papers] == ["11", "15", "19"]
    assert all(paper.key.startswith("title:") for paper in papers)


def test_compact_layout_with_subscribe_glued_to_the_first_title():
    papers = _read("listing_compact.txt")
    assert all(isinstance(paper, Paper) for paper in papers)
    assert papers[0].title == (
        "Flacuna: Unleashing the Problem Solving Power of Vicuna using FLAN Fine-Tuning"
    )
    assert papers[0].source.endswith("listing_compact.txt:3")
    assert [paper.title for paper in papers[1:]] == [
        "The LLM Surgeon",
        "Textbooks Are All You Need II: phi-1.5 technical report",
    ]


def test_title_without_abstract_and_abstract_without_title_are_skips_with_lines():
    items = _read("listing_orphans.txt")
    skips = [(item.line, item.reason) for item in items if isinstance(item, Skip)]
    assert skips == [
        (2, "title without an abstract"),
        (5, "abstract without a title"),
        (7, "title without an abstract"),
    ]
    papers = [item for item in items if isinstance(item, Paper)]
    assert [paper.title for paper in papers] == ["Sparse Mixture of Experts: A Survey"]


@pytest.mark.parametrize(
    "line",
    [
        "new",
        "Subscribe",
        "Get trending papers in your email inbox!",
        "Get trending papers in your email inbox once a day!",
        "byAK and the research community",
        "Mar 13",
        "March 13, 2024",
        "13 Mar",
        "42",
    ],
)
def test_page_chrome(line):
    assert is_chrome(line)


@pytest.mark.parametrize(
    "title",
    [
        "The LLM Surgeon",
        "Who's Harry Potter? Approximate Unlearning in LLMs",
        "Tokenization Matters! Degrading Large Language Models through Challenging Their "
        "Tokenization",
        "GEB-1.3B: Open Lightweight Large Language Model",
        "News Reporter: A Multi-lingual LLM Framework for Broadcast T.V News",
        "The Ultimate Guide to Fine-Tuning LLMs from Basics to Breakthroughs: An Exhaustive "
        "Review of Technologies, Research, Best Practices, Applied Research Challenges and "
        "Opportunities",
    ],
)
def test_titles_look_like_titles_even_where_an_abstract_is_expected(title):
    assert not looks_like_abstract(title)
    assert not looks_like_abstract(title, after_title=True)


def test_short_abstracts_need_the_context_of_a_title():
    short = "We propose LoRA. It freezes the weights."
    assert looks_like_abstract(short, after_title=True)
    assert not looks_like_abstract(short)
    prose = "We propose a method that freezes the pre-trained weights and trains small adapters."
    assert looks_like_abstract(prose)
    assert looks_like_abstract("x" * 300)


def test_carriage_returns_and_control_characters(tmp_path):
    path = tmp_path / "dump.txt"
    abstract = "Some abstract sentence here. " * 12
    path.write_bytes(f"A Title\x07 With Bell\r\n{abstract}\r\n".encode())
    (paper,) = iter_papers(path)
    assert isinstance(paper, Paper)
    assert paper.title == "A Title With Bell"
    assert paper.abstract == abstract.strip()
