"""The curated, user-editable knowledge of the field: known entities, a stoplist, type cues.

The files are package data under ``paperkg/extract/resources/``:

- ``entities.jsonl``: one known entity a line, ``{"name", "type", "kind", "aliases",
  "derived_from"}``;
- ``stoplist.jsonl``: terms that are never entities (generic model classes, tasks,
  metrics, hardware, organisations), ``{"term", "why"}``;
- ``cues.json``: head nouns that type a new name from its context, per entity type.

A user extends them by passing folders holding files of the same names
(``paperkg build --resources DIR``); their entries are added to (and, for the same
name, replace) the bundled ones.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources as importlib_resources
from pathlib import Path

from paperkg.errors import InputError
from paperkg.extract.text import name_key
from paperkg.ingest.text import clean
from paperkg.records import EntityType

log = logging.getLogger(__name__)

KINDS = ("named", "concept")


@dataclass(frozen=True, slots=True)
class KnownEntity:
    """One curated entity of the field."""

    name: str
    type: EntityType
    kind: str
    aliases: tuple[str, ...] = ()
    derived_from: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """The name followed by every alias."""
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Resources:
    """Everything curated, indexed for lookup by :func:`paperkg.extract.text.name_key`."""

    entities: tuple[KnownEntity, ...]
    stoplist: frozenset[str]
    cues: dict[EntityType, tuple[str, ...]]
    by_key: dict[str, KnownEntity] = field(default_factory=dict)
    #: head nouns of tasks, fields and generic classes (``cues.json`` key ``NotEntity``)
    not_entity_heads: frozenset[str] = frozenset()
    #: nouns that join a coined name they follow (``cues.json`` key ``Component``)
    component_heads: frozenset[str] = frozenset()

    def lookup(self, surface: str) -> KnownEntity | None:
        """The curated entity a surface name denotes, if any."""
        return self.by_key.get(name_key(surface))

    def is_stopped(self, surface: str) -> bool:
        """Is ``surface`` a term that is never an entity?"""
        return name_key(surface) in self.stoplist

    def cue_type(self, head: str) -> EntityType | None:
        """The entity type a head noun such as ``benchmark`` signals, if any."""
        return self._cue_types.get(head.lower())

    @cached_property
    def _cue_types(self) -> dict[str, EntityType]:
        """Each cue word's type: that of the first list of :attr:`cues` it is in."""
        types: dict[str, EntityType] = {}
        for entity_type, words in self.cues.items():
            for word in words:
                types.setdefault(word, entity_type)
        return types


_CHECKPOINT_TAIL = re.compile(
    r"^(?:\d+(?:\.\d+)?[bmkt]|\d+x\d+[bm]|instruct|chat|base|it|hf|"
    r"\d+(?:\.\d+)?[bmkt](?:instruct|chat|base|it|hf))+$"
)


def _is_checkpoint_of(name: str, alias: str) -> bool:
    """Is ``alias`` a sized or tuned checkpoint of the entity named ``name``
    ("Llama-2-7B" of "Llama-2")? Checkpoints are entities of their own, derived
    from the version, so they are not kept as aliases.

    >>> _is_checkpoint_of("llama2", "LLaMA-2 7B"), _is_checkpoint_of("llama2", "Llama 2")
    (True, False)
    """
    key = name_key(alias)
    return key.startswith(name) and bool(_CHECKPOINT_TAIL.match(key[len(name):]))


def _bundled_dir() -> Path:
    return Path(str(importlib_resources.files("paperkg.extract") / "resources"))


def _read_jsonl(path: Path) -> Iterable[tuple[int, dict]]:
    for number, line in enumerate(read_resource_text(path).split("\n"), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise InputError(f"{path}:{number}: invalid JSON: {err.msg}") from err
        if not isinstance(row, dict):
            raise InputError(f"{path}:{number}: expected a JSON object")
        yield number, row


def _read_stoplist(path: Path) -> set[str]:
    """The name keys of a stoplist file; a row without a usable ``term`` is an error
    (``null`` had put the word "None" on the stoplist)."""
    keys = set()
    for number, row in _read_jsonl(path):
        term = row.get("term")
        if not isinstance(term, str) or not name_key(term):
            raise InputError(f'{path}:{number}: "term" must be text with a letter or digit')
        keys.add(name_key(term))
    return keys


def read_resource_text(path: Path) -> str:
    """The text of a resource file; :class:`InputError` when it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise InputError(f"{path}: not UTF-8 text (byte {err.start})") from None
    except OSError as err:
        raise InputError(f"cannot read {path}: {err.strerror or err}") from None


_CUE_KEYS = (*(t.value for t in EntityType), "NotEntity", "Component")


def _read_cues(path: Path) -> dict[str, list[str]]:
    """``cues.json``: an object with a list of words under each entity type,
    ``NotEntity`` and ``Component`` (each optional; other keys, such as notes, are
    left alone)."""
    try:
        data = json.loads(read_resource_text(path))
    except json.JSONDecodeError as err:
        raise InputError(f"{path}:{err.lineno}: invalid JSON: {err.msg}") from None
    if not isinstance(data, dict):
        raise InputError(f'{path}: expected a JSON object, such as {{"Model": ["model"]}}')
    for key in _CUE_KEYS:
        words = data.get(key, [])
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise InputError(f"{path}: {key!r} must be a list of words")
    return data


def _parse_entity(path: Path, number: int, row: dict) -> KnownEntity:
    valid = ", ".join(t.value for t in EntityType)
    if "name" not in row or "type" not in row:
        raise InputError(f"{path}:{number}: each entity needs a name and a type ({valid})")
    try:
        entity_type = EntityType(row["type"])
    except ValueError:
        raise InputError(
            f"{path}:{number}: unknown type {row['type']!r}; the types are {valid}"
        ) from None
    if not isinstance(row["name"], str) or not clean(row["name"]):
        raise InputError(f"{path}:{number}: the name must be text, got {row['name']!r}")
    if not name_key(row["name"]):  # "-" would match every hyphen of every paper
        raise InputError(f"{path}:{number}: the name must hold a letter or digit, "
                         f"got {row['name']!r}")
    name = clean(row["name"])
    kind = row.get("kind", "named")
    name_is = name_key(name)
    if kind not in KINDS:
        raise InputError(f"{path}:{number}: kind {kind!r} is not one of {', '.join(KINDS)}")
    aliases = tuple(a for a in _names(path, number, row, "aliases")
                    if not _is_checkpoint_of(name_is, a))
    parents = _names(path, number, row, "derived_from")
    return KnownEntity(name, entity_type, kind, aliases, parents)


def _names(path: Path, number: int, row: dict, field: str) -> tuple[str, ...]:
    """The list of names under ``field`` (cleaned, empty ones dropped); a string or
    anything else that is not a list of strings is an error, not a list of letters."""
    values = row.get(field, [])
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise InputError(f'{path}:{number}: {field} must be a list of names, such as '
                         f'["LoRA"]; got {values!r}'[:300])
    names = tuple(name for name in map(clean, values) if name)
    blank = [name for name in names if not name_key(name)]
    if blank:
        raise InputError(f"{path}:{number}: {field} must hold letters or digits, "
                         f"got {blank[0]!r}")
    return names


RESOURCE_FILES = ("entities.jsonl", "stoplist.jsonl", "cues.json", "merges.jsonl")


def check_resource_dirs(extra_dirs: Sequence[str | Path]) -> None:
    """Raise :class:`InputError` for a resource folder that is missing or holds none of
    the resource files (``--resources`` pointed at the wrong folder)."""
    for folder in map(Path, extra_dirs):
        if not folder.is_dir():
            raise InputError(f"resource folder not found: {folder}")
        if not any((folder / name).is_file() for name in RESOURCE_FILES):
            raise InputError(f"resource folder {folder} holds none of "
                             f"{', '.join(RESOURCE_FILES)}")


def load_resources(extra_dirs: Sequence[str | Path] = ()) -> Resources:
    """Load the bundled resources, then each folder of ``extra_dirs`` on top.

    A build asks for them several times (a 100k-entry ``entities.jsonl`` was parsed
    six times): the same folders with unchanged files give the same object.

    >>> res = load_resources()
    >>> res.lookup("low-rank adaptation").name
    'LoRA'
    """
    check_resource_dirs(extra_dirs)
    folders = (_bundled_dir(), *map(Path, extra_dirs))
    return _load_resources(folders, tuple(map(_stamp, folders)))


def _names_index(entities: Iterable[KnownEntity]) -> dict[str, KnownEntity]:
    """Each name key of the curated entities, and whose it is; a name always wins over
    another entry's alias."""
    entities = list(entities)
    by_key: dict[str, KnownEntity] = {}
    for entity in entities:
        for surface in entity.names:
            holder = by_key.setdefault(name_key(surface), entity)
            if holder is not entity:
                log.debug("resource name %r of %r is also %r", surface, entity.name, holder.name)
    for entity in entities:
        by_key[name_key(entity.name)] = entity
    return by_key


def _stamp(folder: Path) -> tuple:
    """What tells that a folder's resource files changed: their sizes and times."""
    stamps = []
    for name in RESOURCE_FILES:
        try:
            stat = (folder / name).stat()
        except OSError:
            continue
        stamps.append((name, stat.st_size, stat.st_mtime_ns))
    return tuple(stamps)


@lru_cache(maxsize=8)
def _load_resources(folders: tuple[Path, ...], _stamps: tuple) -> Resources:
    entities: dict[str, KnownEntity] = {}
    stoplist: set[str] = set()
    cues: dict[EntityType, list[str]] = {t: [] for t in EntityType}
    not_entity: set[str] = set()
    components: set[str] = set()
    user_stopped: dict[str, Path] = {}
    for folder in folders:
        if (folder / "entities.jsonl").exists():
            for number, row in _read_jsonl(folder / "entities.jsonl"):
                entity = _parse_entity(folder / "entities.jsonl", number, row)
                entities[name_key(entity.name)] = entity
        if (folder / "stoplist.jsonl").exists():
            keys = _read_stoplist(folder / "stoplist.jsonl")
            stoplist.update(keys)
            if folder != folders[0]:
                user_stopped.update(dict.fromkeys(keys, folder / "stoplist.jsonl"))
        if (folder / "cues.json").exists():
            data = _read_cues(folder / "cues.json")
            for entity_type in EntityType:
                cues[entity_type].extend(w.lower() for w in data.get(entity_type.value, ()))
            not_entity.update(w.lower() for w in data.get("NotEntity", ()))
            components.update(w.lower() for w in data.get("Component", ()))
    stoplist.discard("")
    by_key = _names_index(entities.values())
    for key, path in sorted(user_stopped.items()):
        if key in by_key:
            log.warning("%s: %r is a name of the curated entity %r, which the stoplist does "
                        "not remove", path, key, by_key[key].name)
    return Resources(
        entities=tuple(entities.values()),
        stoplist=frozenset(stoplist - set(by_key)),
        cues={t: tuple(dict.fromkeys(words)) for t, words in cues.items()},
        by_key=by_key,
        not_entity_heads=frozenset(not_entity),
        component_heads=frozenset(components),
    )
