"""The paper identity rule."""

import pytest

from paperkg.ingest.identity import (
    arxiv_id_from_doi,
    normalise_arxiv_id,
    normalise_doi,
    normalise_title,
    paper_key,
    title_key,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2106.09685", "2106.09685"),
        ("2106.09685v2", "2106.09685"),
        ("arXiv:2106.09685v12", "2106.09685"),
        ("ARXIV: 0704.0001", "0704.0001"),
        ("https://arxiv.org/abs/2106.09685v2", "2106.09685"),
        ("http://export.arxiv.org/pdf/2106.09685v1.pdf", "2106.09685"),
        ("arxiv.org/html/2106.09685v3/", "2106.09685"),
        ("hep-th/9901001", "hep-th/9901001"),
        ("arXiv:hep-th/9901001v2", "hep-th/9901001"),
        ("http://arxiv.org/abs/math.gt/0309136v1", "math.GT/0309136"),
        ("cond-mat/0102536", "cond-mat/0102536"),
        ("10.1000/xyz", None),
        ("2106.096", None),
        ("", None),
        ("LoRA", None),
    ],
)
def test_arxiv_ids(text, expected):
    assert normalise_arxiv_id(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.18653/V1/N19-1423", "10.18653/v1/n19-1423"),
        ("https://doi.org/10.18653/v1/N19-1423", "10.18653/v1/n19-1423"),
        ("http://dx.doi.org/10.1000/ABC", "10.1000/abc"),
        ("doi:10.1000/abc", "10.1000/abc"),
        ("not a doi", None),
    ],
)
def test_dois(text, expected):
    assert normalise_doi(text) == expected


def test_arxiv_datacite_doi():
    assert arxiv_id_from_doi("10.48550/arXiv.2106.09685") == "2106.09685"
    assert arxiv_id_from_doi("10.1000/abc") is None


def test_key_priority():
    everything = {"arxiv_id": "2106.09685", "doi": "10.1000/x", "record_id": "r1", "title": "T"}
    assert paper_key(**everything) == "arxiv:2106.09685"
    assert paper_key(**{**everything, "arxiv_id": None}) == "doi:10.1000/x"
    assert paper_key(**{**everything, "arxiv_id": "junk", "doi": None}) == "id:r1"
    assert paper_key(title="T") == title_key("T")


def test_title_key_is_sha1_of_the_normalised_title():
    assert normalise_title("LoRA: Low-Rank  Adaptation!") == "lora low rank adaptation"
    # sha1("lora low rank adaptation")
    assert title_key("LoRA: Low-Rank  Adaptation!") == "title:189d8d5ab4554b10"
    assert title_key("lora -- LOW rank adaptation") == title_key("LoRA: Low-Rank Adaptation")
    assert title_key("???") != title_key("!!!")
