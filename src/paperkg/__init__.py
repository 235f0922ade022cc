"""paperkg: build a knowledge graph of machine-learning papers from titles and abstracts.

The pipeline reads papers (:mod:`paperkg.ingest`), extracts the research entities
they name (:mod:`paperkg.extract`), resolves them into canonical entities with
lineage (:mod:`paperkg.resolve`), links papers and entities in a networkx graph
(:mod:`paperkg.graph`) and exports it (:mod:`paperkg.export`, :mod:`paperkg.view`).
:func:`paperkg.pipeline.build` runs the whole chain.
"""

__version__ = "0.1.0"
