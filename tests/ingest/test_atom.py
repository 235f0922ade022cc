"""The arXiv API Atom reader, including hostile XML."""

from pathlib import Path

from paperkg.ingest import iter_papers
from paperkg.records import Paper, Skip

FIXTURES = Path(__file__).parent / "fixtures"

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<feed xmlns="http://www.w3.org/2005/Atom">
<entry><title>&lol3;</title><summary>&lol3;</summary></entry></feed>
"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE feed [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<feed xmlns="http://www.w3.org/2005/Atom">
<entry><title>&secret;</title><summary>x</summary></entry></feed>
"""


def test_arxiv_api_feed():
    lora, attention, no_summary = iter_papers(FIXTURES / "arxiv_query.xml")
    assert isinstance(lora, Paper) and isinstance(attention, Paper)
    assert lora.key == "arxiv:2106.09685"  # version suffix dropped
    assert lora.title == "LoRA: Low-Rank Adaptation of Large Language Models"
    assert lora.abstract.startswith("An important paradigm")
    assert "general domain data & adaptation" in lora.abstract
    assert lora.authors == ("Edward J. Hu", "Yelong Shen")
    assert lora.date == "2021-06-17" and lora.categories == ("cs.CL", "cs.AI")
    assert lora.url == "http://arxiv.org/abs/2106.09685v2" and lora.record_id is None
    assert lora.source.endswith("arxiv_query.xml:8")
    assert attention.doi == "10.5555/3295222.3295349"
    assert no_summary == Skip(str(FIXTURES / "arxiv_query.xml"), 42, "missing abstract")


def test_doctype_and_entities_are_refused(tmp_path):
    for text in (BILLION_LAUGHS, EXTERNAL_ENTITY):
        path = tmp_path / "hostile.xml"
        path.write_text(text)
        (skip,) = iter_papers(path)
        assert isinstance(skip, Skip)
        assert "document type declaration (DTD) is refused" in skip.reason


def test_truncated_feed_keeps_complete_entries(tmp_path):
    path = tmp_path / "truncated.xml"
    path.write_text((FIXTURES / "arxiv_query.xml").read_text()[:1900])
    paper, skip = iter_papers(path)
    assert paper.key == "arxiv:2106.09685"
    assert skip.reason == "invalid XML: no element found; rest of file not read"


def test_api_error_entry_and_generic_atom(tmp_path):
    path = tmp_path / "feed.atom"
    path.write_text(
        '<feed xmlns="http://www.w3.org/2005/Atom">'
        "<entry><id>http://arxiv.org/api/errors#incorrect_id_format_for_1234</id>"
        "<title>Error</title><summary>incorrect id format for 1234</summary></entry>\n"
        "<entry><id>urn:uuid:60a76c80</id><title>Generic</title><content>Text</content>"
        '<link href="https://example.org/generic"/></entry></feed>'
    )
    error, generic = iter_papers(path)
    assert error.reason == "arXiv API error: incorrect id format for 1234"
    assert generic.key == "id:urn:uuid:60a76c80" and generic.abstract == "Text"
    assert generic.url == "https://example.org/generic"


def test_inline_markup_keeps_the_order_of_the_text(tmp_path):
    """Text after a child element (its tail) stays where it stands (xhtml content)."""
    path = tmp_path / "feed.atom"
    path.write_text(
        '<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/abs/2401.00001</id>'
        '<title>Learning <i>to</i> Rank with <b>Trans<i>form</i>ers</b>!</title>'
        '<summary type="xhtml">We study <em>learning to rank</em> on MS MARCO.</summary>'
        '</entry></feed>')
    (paper,) = iter_papers(path, "atom")
    assert paper.title == "Learning to Rank with Transformers!"
    assert paper.abstract == "We study learning to rank on MS MARCO."
