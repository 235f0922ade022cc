"""Format names and format detection."""

from pathlib import Path

import pytest

from paperkg.errors import InputError
from paperkg.ingest import FORMAT_CHOICES, check_format, detect_format

FIXTURES = Path(__file__).parent / "fixtures"


def test_format_choices():
    assert FORMAT_CHOICES == ("auto", "hf-listing", "jsonl", "hf-api", "atom", "csv")
    assert check_format("HF_listing") == "hf-listing"


def test_misspelled_format_names_the_valid_choices():
    with pytest.raises(InputError) as raised:
        check_format("jsnol")
    message = str(raised.value)
    assert "'jsnol'" in message and "did you mean 'jsonl'?" in message
    assert "auto, hf-listing, jsonl, hf-api, atom, csv" in message


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("listing_blank.txt", "hf-listing"),
        ("papers.jsonl", "jsonl"),
        ("daily_papers.json", "hf-api"),
        ("arxiv_query.xml", "atom"),
        ("papers.csv", "csv"),
    ],
)
def test_fixtures_by_extension_and_by_content(name, expected):
    path = FIXTURES / name
    head = path.read_bytes()[:8192]
    assert detect_format(path, head) == expected
    assert detect_format(Path("no-extension"), head) == expected


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b'{"id": "0704.0001", "title": "x"}\n', "jsonl"),  # arxiv-metadata-oai-snapshot.json
        (b"\xef\xbb\xbf[\n {", "hf-api"),
        (b'<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom">', "atom"),
        (b"<html><body>", None),
        (b"Apache License\nVersion 2.0\n", None),
    ],
)
def test_sniffing(head, expected):
    assert detect_format(Path("data.json"), head) == expected
