"""Shared fixtures: tiny corpora anchored at this folder, and one small build."""

from __future__ import annotations

from pathlib import Path

import pytest

from paperkg.extract.pipeline import Extractor
from paperkg.extract.resources import load_resources

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def resources():
    return load_resources()


@pytest.fixture(scope="session")
def extractor():
    return Extractor()


@pytest.fixture(scope="session")
def small_build(tmp_path_factory):
    """A full build of ``fixtures/papers.jsonl`` (no HTML), shared by the export tests."""
    from paperkg.pipeline import BuildOptions, build

    out = tmp_path_factory.mktemp("build")
    report = build([FIXTURES / "papers.jsonl"], out,
                   BuildOptions(html=False, progress=False, timings=False))
    return out, report
