"""SPARQL over a built graph: the on-disk store, named queries, output formats, the server.

>>> from paperkg.query import run_query, run_named_query
>>> run_named_query("outputs", "top-benchmarks", limit=5).column("label")  # doctest: +SKIP
['MMLU', 'GSM8K', 'HumanEval', 'MT-Bench', 'ARC']
"""

from paperkg.query.entities import EntityIndex, EntityRef, UnknownEntityError, normalize_name
from paperkg.query.named import (
    NamedQuery,
    Param,
    bind_params,
    get_named_query,
    list_named_queries,
    run_named_query,
)
from paperkg.query.store import QUERY_PREFIXES, GraphStore, QueryResult, StoreInfo, run_query

__all__ = [
    "QUERY_PREFIXES",
    "EntityIndex",
    "EntityRef",
    "GraphStore",
    "NamedQuery",
    "Param",
    "QueryResult",
    "StoreInfo",
    "UnknownEntityError",
    "bind_params",
    "get_named_query",
    "list_named_queries",
    "normalize_name",
    "run_named_query",
    "run_query",
]
