"""Find research entities by name: label or alias, case- and punctuation-insensitive.

Names are compared after :func:`normalize_name` (lower-case, letters and digits
only), the same rule the gold-standard scoring uses. On a miss the closest
names are suggested.

    >>> normalize_name("Llama-2 (7B)")
    'llama27b'
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import unicodedata
from dataclasses import dataclass

import pyoxigraph as ox
from rapidfuzz import fuzz, process

from paperkg.errors import QueryError
from paperkg.query.store import GraphStore, read_only_uri, term_value
from paperkg.vocab import ENTITY_BASE

log = logging.getLogger(__name__)

#: the four research-entity classes, as written in SPARQL
ENTITY_CLASSES_VALUES = "VALUES ?class { pk:Model pk:Dataset pk:Benchmark pk:Technique }"

_ENTITIES_QUERY = f"""
SELECT ?entity ?class ?label ?alt WHERE {{
  {ENTITY_CLASSES_VALUES}
  ?entity a ?class .
  OPTIONAL {{ ?entity rdfs:label ?label }}
  OPTIONAL {{ ?entity skos:altLabel ?alt }}
}}
"""


#: the version of the kept rows of every entity: 2 leaves blank nodes out
ENTITIES_VERSION = 2

#: what normalize_name drops: \W is "not str.isalnum() and not _", so this keeps
#: exactly the characters for which str.isalnum() is true
_NOT_ALNUM = re.compile(r"[\W_]+")


class UnknownEntityError(QueryError):
    """No entity (or more than one) carries the given name."""


def normalize_name(text: str) -> str:
    """Lower-case ``text`` and keep only its letters and digits."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _NOT_ALNUM.sub("", folded)


@dataclass(frozen=True, order=True)
class EntityRef:
    """A research entity as the graph names it."""

    label: str
    #: ``Model``, ``Dataset``, ``Benchmark`` or ``Technique``
    type: str
    iri: str
    alt_labels: tuple[str, ...] = ()

    def describe(self) -> str:
        """``label (Type)``, for messages."""
        return f"{self.label} ({self.type})"


class EntityIndex:
    """All entities of a graph, looked up by normalised label or alias.

    >>> with GraphStore.open("outputs") as store:  # doctest: +SKIP
    ...     EntityIndex.from_store(store).resolve("low-rank adaptation").label
    'LoRA'
    """

    def __init__(self, entities: list[EntityRef]) -> None:
        self.entities = sorted(entities)
        self.by_iri = {e.iri: e for e in self.entities}
        self._by_label: dict[str, list[EntityRef]] = {}
        self._by_alias: dict[str, list[EntityRef]] = {}
        for entity in self.entities:
            self._by_label.setdefault(normalize_name(entity.label), []).append(entity)
            # aliases that differ only in case or punctuation name the entity once
            for key in dict.fromkeys(normalize_name(alt) for alt in entity.alt_labels):
                self._by_alias.setdefault(key, []).append(entity)
        #: every label and alias, for suggestions: name -> the entity's label
        self._names = {n: e.label for e in self.entities for n in (e.label, *e.alt_labels)}

    @classmethod
    def from_store(cls, store: GraphStore) -> EntityIndex:
        """Every entity's class, label and aliases, read from the graph once per build.

        The rows are kept next to the store (see :meth:`GraphStore.cached`):
        reading them out of a 100k-paper graph takes seconds, loading them back
        a fraction of that.
        """
        rows = store.cached("entities", ENTITIES_VERSION, lambda: _read_entities(store))
        return cls([EntityRef(label, type_, iri, tuple(alts)) for label, type_, iri, alts in rows])

    def lookup(self, name: str) -> list[EntityRef]:
        """Entities whose label matches ``name``; failing that, whose alias does
        (``name`` may also be an entity's IRI, in any form :func:`as_iri` reads)."""
        iri = as_iri(name)
        if iri in self.by_iri:
            return [self.by_iri[iri]]
        key = normalize_name(name)
        if not key:
            return []
        return _exact_first(name, list(self._by_label.get(key) or self._by_alias.get(key) or []))

    def resolve(self, name: str) -> EntityRef:
        """The one entity called ``name``; raises :class:`UnknownEntityError` otherwise."""
        found = self.lookup(name)
        if len(found) == 1:
            return found[0]
        if found:
            choices = ", ".join(f"{e.describe()} <{e.iri}>" for e in found)
            raise UnknownEntityError(f"{name!r} names several entities: {choices}")
        raise UnknownEntityError(self.miss_message(name))

    def suggest(self, name: str, limit: int = 5) -> list[str]:
        """Labels of the entities whose label or alias is closest to ``name``."""
        # plain edit similarity: WRatio's partial matching finds "bi-encoder" close
        # to "NoSuchModel"; below 60 nothing is close enough to suggest
        matches = process.extract(
            normalize_name(name) or name,
            {n: normalize_name(n) for n in self._names},
            scorer=fuzz.ratio,
            score_cutoff=60,
            limit=None,
        )
        best: dict[str, float] = {}
        for _choice, score, key in matches:
            label = self._names[key]
            best[label] = max(score, best.get(label, 0.0))
        ranked = sorted(best.items(), key=lambda item: (-item[1], item[0].casefold()))
        return [label for label, _score in ranked[:limit]]

    def miss_message(self, name: str) -> str:
        """``no entity named ...; closest: ...`` for an unknown name."""
        if not self.entities:
            return f"no entity named {name!r}: the graph has no entities"
        close = self.suggest(name)
        if not close:
            return (f"no entity named {name!r}, nor one close to it; search the names with "
                    f"`paperkg query entity-search TEXT`")
        return f"no entity named {name!r}; closest: {', '.join(close)}"


class NameIndex:
    """The lookups of :class:`EntityIndex`, answered from SQLite next to the store.

    A named query binds one or two names; loading every entity of a 100k-paper
    graph for that takes seconds, a lookup in this table a millisecond. The
    table is written once per store folder (so once per ``graph.ttl``) from the
    same rows as :meth:`EntityIndex.from_store`. Suggestions for a miss still
    need every name and load the whole index.
    """

    FILE = "cache-names-v2.sqlite"

    def __init__(self, store: GraphStore) -> None:
        self._store = store
        self._path = store.info.db_path.parent / self.FILE
        self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        db = _open_name_table(self._path)
        if db is None:  # not written yet, or damaged: written (again) from the graph
            store = self._store
            rows = store.cached("entities", ENTITIES_VERSION, lambda: _read_entities(store))
            try:
                _write_name_table(self._path, rows)
                db = _open_name_table(self._path)
            except (OSError, sqlite3.Error) as err:  # a folder we may not write to
                log.debug("cannot keep %s: %s", self._path, err)
            if db is None:
                db = sqlite3.connect(":memory:")
                _fill_name_table(db, rows)
        return db

    def lookup(self, name: str) -> list[EntityRef]:
        """Entities whose label matches ``name``; failing that, whose alias does."""
        try:
            return self._lookup(name)
        except sqlite3.DatabaseError as err:  # damaged inside: the check on opening passed
            log.info("the name table is damaged (%s); writing it again", err)
            self._db.close()
            self._path.unlink(missing_ok=True)
            self._db = self._open()
            return self._lookup(name)

    def _lookup(self, name: str) -> list[EntityRef]:
        by_iri = self._db.execute("SELECT label, type, iri FROM entities WHERE iri = ?",
                                  (as_iri(name),))
        found = [EntityRef(*row) for row in by_iri]
        key = normalize_name(name)
        if found or not key:
            return found
        for is_label in (1, 0):
            rows = self._db.execute(
                "SELECT DISTINCT e.label, e.type, e.iri FROM names n JOIN entities e USING (iri)"
                " WHERE n.key = ? AND n.is_label = ? ORDER BY e.label, e.type, e.iri",
                (key, is_label),
            ).fetchall()
            if rows:
                return _exact_first(name, [EntityRef(*row) for row in rows])
        return []

    def miss_message(self, name: str) -> str:
        """``no entity named ...; closest: ...`` for an unknown name."""
        return EntityIndex.from_store(self._store).miss_message(name)

    def close(self) -> None:
        self._db.close()


def _exact_first(name: str, found: list[EntityRef]) -> list[EntityRef]:
    """Of several entities with the same normalised name ("LoRA" and "LoRA+"), the one
    whose label is exactly ``name`` (ignoring case), if there is one."""
    if len(found) > 1:
        exact = [e for e in found if e.label.casefold() == name.strip().casefold()]
        if len(exact) == 1:
            return exact
    return found


def _open_name_table(path: os.PathLike[str] | str) -> sqlite3.Connection | None:
    """The name table at ``path``, read-only; None if it is missing or damaged."""
    if not os.path.isfile(path):
        return None
    db = sqlite3.connect(read_only_uri(path), uri=True)
    try:
        db.execute("SELECT iri, label, type FROM entities LIMIT 1").fetchall()
        db.execute("SELECT key, iri, is_label FROM names LIMIT 1").fetchall()
    except sqlite3.Error as err:  # an empty or garbled file
        log.debug("rewriting the damaged name table %s: %s", path, err)
        db.close()
        return None
    return db


def _fill_name_table(db: sqlite3.Connection, rows: list[list]) -> None:
    with db:
        db.execute("CREATE TABLE entities (iri TEXT PRIMARY KEY, label TEXT, type TEXT)")
        db.execute("CREATE TABLE names (key TEXT, iri TEXT, is_label INTEGER)")
        db.executemany("INSERT INTO entities VALUES (?, ?, ?)",
                       ((iri, label, type_) for label, type_, iri, _alts in rows))  # fmt: skip
        db.executemany(
            "INSERT INTO names VALUES (?, ?, ?)",
            (
                (normalize_name(text), iri, int(text == label))
                for label, _type, iri, alts in rows
                for text in (label, *alts)
            ),
        )
        db.execute("CREATE INDEX names_key ON names (key, is_label)")


def _write_name_table(path: os.PathLike[str] | str, rows: list[list]) -> None:
    """Write the entity and name tables to ``path`` atomically."""
    path = os.fspath(path)
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        if os.path.exists(tmp):
            os.unlink(tmp)
        db = sqlite3.connect(tmp)
        _fill_name_table(db, rows)
        db.close()
        os.replace(tmp, path)
    except (OSError, sqlite3.Error):
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _read_entities(store: GraphStore) -> list[list]:
    """``[label, type, iri, [aliases]]`` of every entity with an IRI, sorted by IRI."""
    labels: dict[str, str] = {}
    types: dict[str, str] = {}
    alts: dict[str, set[str]] = {}
    for iri, cls_iri, label, alt in store.query(_ENTITIES_QUERY).rows:
        if not isinstance(iri, ox.NamedNode):  # a blank node: a query cannot name it
            continue
        key = term_value(iri)
        types[key] = term_value(cls_iri).rsplit("#", 1)[-1]
        if label is not None:
            labels[key] = label.value
        alts.setdefault(key, set())
        if alt is not None:
            alts[key].add(alt.value)
    return [
        [labels.get(iri, label_from_iri(iri)), types[iri], iri, sorted(alts[iri])]
        for iri in sorted(types)
    ]


#: the prefix ``paperkg query`` prints entity IRIs with
_ENTITY_PREFIX = "entity:"


def as_iri(name: str) -> str:
    """``name`` as a full IRI if it is one in a form paperkg prints: ``<IRI>`` (as
    lineage and N-Triples print it) or ``entity:NAME`` (as query tables do).

    >>> as_iri("<https://w3id.org/paperkg/entity/LoRA>") == as_iri("entity:LoRA")
    True
    """
    name = name.strip()
    if name.startswith("<") and name.endswith(">"):
        name = name[1:-1].strip()
    if name.startswith(_ENTITY_PREFIX):
        return ENTITY_BASE + name[len(_ENTITY_PREFIX) :]
    return name


def label_from_iri(iri: str) -> str:
    tail = iri[len(ENTITY_BASE) :] if iri.startswith(ENTITY_BASE) else iri.rsplit("/", 1)[-1]
    return tail.replace("_", " ")
