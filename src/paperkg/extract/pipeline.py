"""The extraction pipeline: a blank English spaCy pipeline with rule components.

>>> from paperkg.records import Paper
>>> extractor = Extractor()
>>> [result] = extractor.extract([Paper("id:1", "QLoRA: Efficient Finetuning",
...     "We fine-tune LLaMA with Low-Rank Adaptation (LoRA) and evaluate on MMLU.")])
>>> sorted(m.text for m in result.mentions)
['LLaMA', 'LoRA', 'Low-Rank Adaptation', 'MMLU', 'QLoRA']
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc

# importing the component modules registers their factories
from paperkg.extract import (  # noqa: F401
    acronyms,
    discovery,
    finalize,
    gazetteer,
    lineage,
    sentences,
)
from paperkg.extract.candidates import (
    Candidate,
    DocState,
    register_extensions,
    state,
)
from paperkg.extract.plaintext import TITLE_SEPARATOR, name_words, paper_text
from paperkg.extract.sentences import TEXT_KEY
from paperkg.extract.tokenizer import blank_english
from paperkg.records import Extraction, LineageClaim, Mention, Paper

log = logging.getLogger(__name__)

COMPONENTS = (
    "paperkg_gazetteer",
    "paperkg_acronyms",
    "paperkg_discovery",
    "paperkg_finalize",
    "paperkg_lineage",
)


@dataclass(frozen=True)
class Settings:
    """What shapes extraction; the same settings give the same results."""

    #: folders with extra or replacement resource files (see :mod:`paperkg.extract.resources`)
    resource_dirs: tuple[str, ...] = ()
    #: documents per spaCy batch
    batch_size: int = 256


def make_nlp(settings: Settings | None = None, *, components: bool = True) -> Language:
    """Build the extraction pipeline (no trained model is downloaded or loaded).

    With ``components=False`` only the tokenizer and sentence bounds are set up.
    """
    settings = settings or Settings()
    register_extensions()
    nlp = blank_english()
    nlp.add_pipe("paperkg_sentences")
    if components:
        config = {"resource_dirs": list(settings.resource_dirs)}
        for name in COMPONENTS:
            nlp.add_pipe(name, config=config if name != "paperkg_lineage" else {})
    return nlp


class Extractor:
    """Extracts mentions and stated lineage from papers; holds one spaCy pipeline."""

    def __init__(self, settings: Settings | None = None):
        self.settings = settings or Settings()
        self.nlp = make_nlp(self.settings)

    def extract(self, papers: Iterable[Paper]) -> list[Extraction]:
        """Extract every paper of ``papers`` (in order)."""
        return list(self.iter_extract(papers))

    def iter_extract(self, papers: Iterable[Paper]) -> Iterator[Extraction]:
        """Like :meth:`extract`, one result at a time."""
        components = [proc for _, proc in self.nlp.pipeline]
        for paper in papers:
            text = paper_text(paper)
            doc = self.nlp.make_doc(text)
            doc.user_data[TEXT_KEY] = text
            for component in components:
                doc = component(doc)
            yield to_extraction(doc, paper)


def to_extraction(doc: Doc, paper: Paper) -> Extraction:
    """Turn a processed document into the :class:`Extraction` record of its paper."""
    current = state(doc)
    offset = current.title_end + len(TITLE_SEPARATOR)
    mentions = tuple(_mention(current, paper, c, offset) for c in current.candidates)
    claims = tuple(
        LineageClaim(paper.key, child, parent, evidence, rule)
        for child, parent, evidence, rule in dict.fromkeys(current.lineage)
    )
    return Extraction(paper=paper, mentions=mentions, lineage=claims,
                      words=name_words(current.text))


def _mention(current: DocState, paper: Paper, c: Candidate, offset: int) -> Mention:
    sentence = current.sentence_text(c.start) or c.text
    in_title = c.start < current.title_end
    return Mention(
        paper_key=paper.key,
        text=c.text,
        type=c.type,
        kind=c.kind,
        field="title" if in_title else "abstract",
        start=c.start if in_title else c.start - offset,
        end=c.end if in_title else c.end - offset,
        sentence=sentence,
        rule=c.rule,
        confidence=c.confidence,
        proposed=c.proposed,
        aliases=c.aliases,
        resource_id=c.known,
        parent=c.parent,
        evaluated_on=c.evaluated,
    )


def extract_batch(papers: Sequence[Paper], settings: Settings | None = None) -> list[Extraction]:
    """A pure function over a batch of papers, for process pools and distributed engines."""
    return Extractor(settings).extract(papers)
