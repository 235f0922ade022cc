"""Synthetic paper/entity graphs with the schema of ``paperkg.graph``, for view tests."""

from __future__ import annotations

import random

import networkx as nx

ENTITY_TYPES = ("Model", "Dataset", "Benchmark", "Technique")
BASE = "https://w3id.org/paperkg/"


def add_paper(graph: nx.MultiDiGraph, key: str, title: str, **attrs: object) -> str:
    """Add a Paper node and return its id."""
    node = f"paper:{key}"
    graph.add_node(
        node,
        node_type="Paper",
        label=title,
        title=title,
        abstract=attrs.get("abstract", f"Abstract of {title}."),
        date=attrs.get("date", ""),
        arxiv_id=attrs.get("arxiv_id", ""),
        authors=tuple(attrs.get("authors", ())),
        iri=f"{BASE}paper/{key}",
    )
    return node


def add_entity(
    graph: nx.MultiDiGraph,
    key: str,
    label: str,
    node_type: str = "Model",
    *,
    aliases: tuple[str, ...] = (),
    kind: str = "named",
) -> str:
    """Add an entity node (support is filled in by :func:`link`)."""
    node = f"entity:{key}"
    graph.add_node(
        node,
        node_type=node_type,
        label=label,
        kind=kind,
        aliases=tuple(aliases),
        support=0,
        iri=f"{BASE}entity/{key}",
    )
    return node


def link(graph: nx.MultiDiGraph, paper: str, entity: str, relation: str = "mentions") -> None:
    """Link a paper to an entity; a specific relation also gets its mentions edge."""
    for rel in {"mentions", relation}:
        if graph.has_edge(paper, entity, key=rel):
            continue
        graph.add_edge(
            paper,
            entity,
            key=rel,
            relation=rel,
            evidence=f"{graph.nodes[paper]['title']} uses {graph.nodes[entity]['label']}.",
            confidence=0.9,
            rule="synthetic",
            field="abstract",
            start=0,
            end=1,
        )
    graph.nodes[entity]["support"] = len(
        {p for p, _, k in graph.in_edges(entity, keys=True) if k == "mentions"}
    )


def derive(graph: nx.MultiDiGraph, child: str, parent: str, papers: tuple[str, ...]) -> None:
    """Add a derivedFrom lineage edge."""
    graph.add_edge(
        child,
        parent,
        key="derivedFrom",
        relation="derivedFrom",
        evidence="derived",
        rule="synthetic",
        papers=papers,
    )


def corpus_graph(
    n_papers: int = 600, n_entities: int = 2400, *, topics: int = 12, seed: int = 7
) -> nx.MultiDiGraph:
    """A corpus-sized graph: papers in ``topics`` fields, 3-9 entities per paper.

    Entity popularity is Zipf-like, within a paper's field (four picks in five)
    and across the corpus, so most entities are mentioned once (as in the real
    corpus), a few hundred by two or more papers, and a few are hubs. Entities
    no paper drew are dropped.
    """
    rng = random.Random(seed)
    graph = nx.MultiDiGraph()
    entities = []
    for i in range(n_entities):
        etype = ENTITY_TYPES[i % 4]
        entities.append(
            add_entity(graph, f"e{i:05d}", f"{etype[:3]}-{i}", etype, aliases=(f"alias{i}",))
        )
    fields = [entities[t::topics] for t in range(topics)]
    field_weights = [[1.0 / (r + 1) ** 1.1 for r in range(len(f))] for f in fields]
    weights = [1.0 / (rank + 1) ** 1.1 for rank in range(n_entities)]
    for p in range(n_papers):
        paper = add_paper(
            graph,
            f"p{p:05d}",
            f"Paper {p}: a study of things",
            date=f"2024-03-{1 + p % 28:02d}",
            arxiv_id=f"2403.{p:05d}",
        )
        field = p % topics
        chosen = set()
        for _ in range(rng.randint(3, 9)):
            if rng.random() < 0.8:
                chosen.add(rng.choices(fields[field], weights=field_weights[field])[0])
            else:
                chosen.add(rng.choices(entities, weights=weights)[0])
        for j, entity in enumerate(sorted(chosen)):
            relation = "proposes" if j == 0 and rng.random() < 0.3 else "mentions"
            link(graph, paper, entity, relation)
    for i in range(1, 60):
        child, parent = entities[i + topics], entities[i]
        papers = tuple(sorted(p.split(":", 1)[1] for p in graph.predecessors(child)))[:2]
        derive(graph, child, parent, papers)
    graph.remove_nodes_from([n for n in entities if graph.nodes[n]["support"] == 0])
    return graph
