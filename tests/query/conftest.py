"""Fixtures: a built graph folder holding the hand-written fixture graph."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from paperkg.query.store import GraphStore

FIXTURE_TTL = Path(__file__).parent / "fixtures" / "graph.ttl"


def make_graph_dir(folder: Path, ttl: Path | str = FIXTURE_TTL) -> Path:
    """``folder`` laid out like a build's output folder, with ``graph.ttl`` from ``ttl``."""
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(ttl, Path):
        shutil.copyfile(ttl, folder / "graph.ttl")
    else:
        (folder / "graph.ttl").write_text(ttl, encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def graph_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A shared, read-only build folder (its store is built once per session)."""
    return make_graph_dir(tmp_path_factory.mktemp("built") / "outputs")


@pytest.fixture
def fresh_graph_dir(tmp_path: Path) -> Path:
    """A build folder of its own, for tests that change the graph or its store."""
    return make_graph_dir(tmp_path / "outputs")


def spy_on_queries(monkeypatch: pytest.MonkeyPatch,
                   classify: Callable[[str], str | None]) -> list[str]:
    """The label ``classify`` gives each query text the store runs (None: not recorded)."""
    runs: list[str] = []
    original = GraphStore.query

    def query(self, sparql, **kwargs):  # type: ignore[no-untyped-def]
        label = classify(sparql)
        if label is not None:
            runs.append(label)
        return original(self, sparql, **kwargs)

    monkeypatch.setattr(GraphStore, "query", query)
    return runs


def forbid_replacing_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """The store cannot put a file it wrote in place (as in a read-only folder)."""
    def unwritable(*_args: object) -> None:
        raise PermissionError("read-only folder")

    monkeypatch.setattr("paperkg.query.store.os.replace", unwritable)
