"""The user's merge file: names to treat as one entity in the next build.

``merges.jsonl`` in a resource folder (``paperkg build --resources DIR``), one
group a line: ``{"names": ["LLaMA-Adapter", "LLaMA Adapter V1"]}``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from paperkg.errors import InputError
from paperkg.extract.resources import read_resource_text
from paperkg.extract.text import name_key


def load_merges(resource_dirs: Sequence[str | Path]) -> list[tuple[str, ...]]:
    """Every merge group of the ``merges.jsonl`` files in ``resource_dirs``."""
    groups: list[tuple[str, ...]] = []
    for folder in map(Path, resource_dirs):
        path = folder / "merges.jsonl"
        if not path.exists():
            continue
        for number, line in enumerate(read_resource_text(path).splitlines(), 1):
            if not line.strip():
                continue
            try:
                names = json.loads(line)["names"]
            except (json.JSONDecodeError, KeyError, TypeError) as err:
                raise InputError(f"{path}:{number}: expected {{\"names\": [...]}}") from err
            if not isinstance(names, list) or len(names) < 2:
                raise InputError(f"{path}:{number}: a merge group needs two or more names")
            if not all(isinstance(name, str) and name_key(name) for name in names):
                raise InputError(f"{path}:{number}: each name of a merge group must be text "
                                 "with a letter or digit")
            groups.append(tuple(names))
    return groups
