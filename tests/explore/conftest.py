"""Fixtures: the query tests' hand-written graph, as a build folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURE_TTL = Path(__file__).parents[1] / "query" / "fixtures" / "graph.ttl"


@pytest.fixture(scope="session")
def lineage_graph_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("lineage") / "outputs"
    folder.mkdir()
    shutil.copyfile(FIXTURE_TTL, folder / "graph.ttl")
    return folder


def write_graph(folder: Path, turtle: str) -> Path:
    """A build folder whose graph.ttl is ``turtle`` (with the usual prefixes)."""
    folder.mkdir(parents=True, exist_ok=True)
    prefixes = (
        "@prefix pk: <https://w3id.org/paperkg/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "@prefix dcterms: <http://purl.org/dc/terms/> .\n"
        "@prefix e: <https://w3id.org/paperkg/entity/> .\n"
        "@prefix p: <https://w3id.org/paperkg/paper/> .\n"
        "@prefix l: <https://w3id.org/paperkg/link/> .\n"
    )
    (folder / "graph.ttl").write_text(prefixes + turtle, encoding="utf-8")
    return folder


@pytest.fixture
def graph_writer(tmp_path: Path):  # type: ignore[no-untyped-def]
    return lambda turtle: write_graph(tmp_path / "outputs", turtle)
