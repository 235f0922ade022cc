"""Shared fixtures: tiny corpora anchored at this folder, and one small build."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings

from paperkg.extract.hashcache import CACHE_ENV
from paperkg.extract.pipeline import Extractor
from paperkg.extract.resources import load_resources

#: the property tests draw new examples on each run, and replay the failures they
#: found (the .hypothesis folder); with HYPOTHESIS_PROFILE=ci (as .ci/run sets) they
#: draw the same examples every run, so a change is judged on its own, and an
#: example found elsewhere is printed with the blob that replays it
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

FIXTURES = Path(__file__).parent / "fixtures"
#: the token-hash cache of this test run (paperkg.extract.hashcache), not the user's;
#: the commands the tests run inherit it
_own_cache: str | None = None


def pytest_configure(config):
    global _own_cache
    if CACHE_ENV not in os.environ:
        _own_cache = os.environ[CACHE_ENV] = tempfile.mkdtemp(prefix="paperkg-test-cache-")


def pytest_unconfigure(config):
    if _own_cache is not None:
        os.environ.pop(CACHE_ENV, None)
        shutil.rmtree(_own_cache, ignore_errors=True)


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
