"""The page's CSS and JS ship with the package, not only in a source checkout."""

from __future__ import annotations

import fnmatch
from importlib import resources
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib", reason="tomllib is in the standard library from 3.11")

PYPROJECT = Path(__file__).parents[2] / "pyproject.toml"


def test_view_assets_are_package_data():
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["paperkg"]
    assets = resources.files("paperkg.view").joinpath("assets")
    names = sorted(entry.name for entry in assets.iterdir())
    assert names == ["graph.css", "graph.js"]
    for name in names:
        assert any(fnmatch.fnmatch(f"view/assets/{name}", p) for p in patterns), (
            f'add "view/assets/*" to [tool.setuptools.package-data] paperkg in {PYPROJECT.name}'
        )
