"""The arXiv API Atom reader, including hostile XML."""

import re
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


def _entry(i: int, summary: str = "An abstract.") -> str:
    return f"<entry>\n<title>Paper {i}</title>\n<summary>{summary}</summary>\n</entry>\n"


def test_an_xml_error_says_how_many_entries_were_not_read(tmp_path):
    """`&nbsp;` in entry 2 of 4 stopped the reading there; the skip did not say that
    entries 3 and 4 were lost with it."""
    path = tmp_path / "nbsp.xml"
    path.write_text('<feed xmlns="http://www.w3.org/2005/Atom">\n' + _entry(1)
                    + _entry(2, "a&nbsp;b") + _entry(3) + '<atom:entry xmlns:atom="x">'
                    + "</atom:entry>\n</feed>\n")
    paper, skip = iter_papers(path)
    assert paper.title == "Paper 1"
    assert skip == Skip(str(path), 8, "invalid XML: undefined entity; rest of file not "
                                      "read (2 more <entry> after this line)")


def test_the_entries_after_an_error_are_counted_across_chunks(tmp_path, monkeypatch):
    import paperkg.ingest.atom as atom
    from paperkg.ingest.source import Source

    entries = "".join(_entry(i) if i % 7 else _entry(i).replace("\n", "") for i in range(300))
    text = '<feed xmlns="http://www.w3.org/2005/Atom">\n' + entries + "<a:entry/></feed>"
    path = tmp_path / "big.xml"
    path.write_text(text)
    lines = text.split("\n")
    for chunk in (5, 13, 64 * 1024):  # entry tags cut by the chunks' ends, or none
        monkeypatch.setattr(atom, "_CHUNK_BYTES", chunk)
        for line in (0, 1, 2, 77, 500, len(lines) - 1, len(lines)):
            expected = sum(len(re.findall(r"<(a:)?entry[ />]", x)) for x in lines[line:])
            assert atom._entries_after(Source(path, "big.xml"), line) == expected, (chunk, line)
