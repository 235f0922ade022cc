"""Co-mention counts of the most mentioned entities, for the store's kept table.

co-mentioned counts, for one entity, the papers that mention it with each other
entity. For an entity that 24,000 papers of a 100k graph mention, that is a join
of 180,000 mentions and 23,000 groups: 1.2 s, whatever the limit. These counts
are computed once per store for the entities named by at least
:data:`MIN_PAPERS` papers, with numpy over every paper's mentions (read from the
store in one grouped query), and kept in a SQLite table next to it
(:meth:`paperkg.query.store.GraphStore.co_mentions`).

The table answers what the engine answers: :data:`COUNT_QUERY` is the subquery
the named query counts with (checked where the query is read), and the counts
are of the same triples. It stays exact on graphs paperkg did not write only
where every object of ``pk:mentions`` is an IRI: with a literal or blank node
among them, nothing is counted and the query counts alone.

    >>> store = ox.Store()
    >>> mentions = ox.NamedNode(ONTOLOGY + "mentions")
    >>> for paper, entities in (("p1", "ab"), ("p2", "abc"), ("p3", "bc")):
    ...     for entity in entities:
    ...         store.add(ox.Quad(ox.NamedNode(f"urn:{paper}"), mentions,
    ...                           ox.NamedNode(f"urn:{entity}")))
    >>> sorted(co_mention_counts(store, min_papers=3, keep=10).items())
    [('<urn:b>', (0, [('<urn:a>', 2), ('<urn:c>', 2)]))]
"""

from __future__ import annotations

from array import array

import pyoxigraph as ox

from paperkg.vocab import ONTOLOGY

#: an entity named by at least this many papers has its co-mentions counted (without
#: them, co-mentioned took about 70 ms through the API for an entity of 250 papers of
#: a 100k graph, 45 ms for one of 100)
MIN_PAPERS = 200
#: the most co-mentioned entities kept for one entity (a limit of up to about this)
KEEP = 1000
#: what the counts are, for the entity bound to ``?{entity}`` (whitespace aside)
COUNT_QUERY = (
    "{{ SELECT ?other (COUNT(DISTINCT ?paper) AS ?papers) WHERE {{ VALUES ?{entity} {{ UNDEF }} "
    "?paper pk:mentions ?{entity} , ?other . FILTER(?other != ?{entity}) }} GROUP BY ?other }}"
)

#: names the kept table: a change to what it counts, or how, makes a new one
DEFINITION = f"co-mentions 1: {COUNT_QUERY} min {MIN_PAPERS} keep {KEEP}"

_MENTIONS = f"<{ONTOLOGY}mentions>"
#: every paper's mentions, one row per paper (IRIs hold no space: checked by the parser);
#: a literal or blank node among them is an error (the unbound ?none), so its paper's
#: row is unbound (one pass instead of an ASK first, which took 2.3 s at 100k papers)
_BY_PAPER = (f'SELECT (GROUP_CONCAT(IF(isIRI(?entity), STR(?entity), ?none); separator=" ") '
             f"AS ?entities) WHERE {{ ?paper {_MENTIONS} ?entity }} GROUP BY ?paper")


def co_mention_counts(
    store: ox.Store, min_papers: int | None = None, keep: int | None = None
) -> dict[str, tuple[int, list[tuple[str, int]]]]:
    """For each entity of ``min_papers`` papers or more: ``(floor, [(other, papers)])``.

    Terms are in SPARQL syntax (``<iri>``). The list holds every other entity
    mentioned with it in more than ``floor`` papers, most first (then by IRI),
    at most ``keep`` of them; ``floor`` is 0 when the list holds them all. Empty
    when a mention's object is not an IRI (see the module's docstring).
    ``min_papers`` and ``keep`` default to :data:`MIN_PAPERS` and :data:`KEEP`.
    """
    import numpy as np  # here: every command imports this module, few count

    min_papers = MIN_PAPERS if min_papers is None else min_papers
    keep = KEEP if keep is None else keep
    ids: dict[str, int] = {}
    indices = array("q")  # 8 bytes a mention, not a list of int objects
    ends = array("q")
    for solution in store.query(_BY_PAPER):
        if solution[0] is None:  # a mention of a literal or blank node
            return {}
        indices.extend(ids.setdefault(iri, len(ids)) for iri in solution[0].value.split(" "))
        ends.append(len(indices))
    if not indices:
        return {}
    entity_of = np.frombuffer(indices, dtype=np.int64)  # the mentions, paper by paper
    end = np.frombuffer(ends, dtype=np.int64)
    start = np.concatenate(([0], end[:-1]))
    paper_of = np.repeat(np.arange(len(end)), end - start)
    papers_of = np.bincount(entity_of, minlength=len(ids))
    by_entity = np.argsort(entity_of, kind="stable")  # mention positions, entity by entity
    first = np.concatenate(([0], np.cumsum(papers_of)))
    names = [f"<{iri}>" for iri in ids]
    counts = {}
    for entity in np.flatnonzero(papers_of >= min_papers):
        papers = paper_of[by_entity[first[entity]:first[entity + 1]]]
        lengths = end[papers] - start[papers]
        # the positions of every mention of those papers, in one array
        positions = np.repeat(start[papers] - np.cumsum(lengths) + lengths, lengths)
        positions += np.arange(len(positions))
        together = np.bincount(entity_of[positions], minlength=len(ids))
        together[entity] = 0
        others = np.flatnonzero(together)
        floor = 0
        if len(others) > keep:  # those tied with the first one left out go too
            floor = int(np.sort(together[others])[-keep - 1])
            others = others[together[others] > floor]
        rows = sorted(((names[o], int(together[o])) for o in others),
                      key=lambda row: (-row[1], row[0]))
        counts[names[entity]] = (floor, rows)
    return counts
