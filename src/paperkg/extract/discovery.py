"""Discovery of names the curated resource does not know, from the text itself.

Three signals, each a rule with its own name in the provenance:

- ``title-prefix``: the "Name: subtitle" prefix of a title ("ExpertFlow: ..."),
  the new technique a title opens or ends with ("Self-Selected Attention Span for
  ...", "... via Iterative Reinforced Fine-Tuning");
- ``proposal``: "we propose / introduce / present X", "a method called X",
  "a model named Bode", "X, a novel benchmark ...", "our method, X", "the proposed X",
  "we name such steers LM-Steers", "a novel method, Predictive-Decoding, that ...";
- ``name-cue`` / ``name-shape``: a coined-looking word (CamelCase, letters and
  digits, "-Bench", "-LLM") typed by a head noun beside it, by the type the paper
  introduced it with, or by its shape; a capitalised CamelCase coinage used twice
  or more even with nothing to type it ("AutoCompressors").

The ``proposal`` rule also finds capitalised components ("the Demo Selector"),
the new names of a contributions list, hyphenated coinages ("termed
self-injection", "we introduce proxy-tuning, a ..."), every new object a proposal
describes in apposition ("Tele-Data, a ... dataset, and Tele-Eval, a ...") and
the named parts of what it proposes ("XR-Scene, which contains ... XR-QA"). A
new name that the address a sentence releases code or data at is named after
(``github.com/.../DiffuLLaMA``) is the paper's own too.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.tokens import Doc

from paperkg.extract.candidates import Candidate, DocState, state
from paperkg.extract.cues import (
    EVALUATION_CUE,
    NAMING,
    OURS_BEFORE,
    PROPOSAL,
    SURVEY,
    proposal_spans,
    type_from_context,
    type_from_head,
    type_from_shape,
    type_from_words_before,
)
from paperkg.extract.resources import Resources, load_resources
from paperkg.extract.text import is_name_like, name_key, whole_name, whole_name_starts
from paperkg.extract.words import Word, glued_words
from paperkg.records import EntityType

QUOTED_NAME = re.compile(
    r"\b(?:name[ds]?|call(?:s|ed)?|dub(?:s|bed)?|term(?:s|ed)?|coin(?:s|ed)?|build|present|"
    r"introduce|propose)\s+(?:(?:it|this|them|our|a|an|the)\s+)?"
    r"[\"\u201c](?P<name>[^\"\u201d\n]{2,60})[\"\u201d]",
    re.IGNORECASE,
)
QUOTED_TERM = re.compile(
    r"[\"\u201c](?P<term>[a-z][\w-]*(?:\s[a-z][\w-]*){1,3})[\"\u201d]")
#: a lower-case coinage the text names: "termed next-sentence prediction", "is referred
#: to as self-injection", "dubbed pool-adapter"
TERMED = re.compile(
    r"\b(?:[Tt]ermed|[Rr]eferred to as|[Ww]e call|[Ww]e term|[Dd]ubbed|[Cc]oined)\s+(?:as\s+)?"
    r"(?P<term>[a-z][a-z0-9]*(?:[- ][a-z][a-z0-9]*){0,3})")
#: right after a proposal verb, a lower-case coinage it introduces with an appositive:
#: "We introduce proxy-tuning, a lightweight decoding-time algorithm"
APPOSED_COINAGE = re.compile(
    r"\s+(?P<term>[a-z][a-z0-9]*(?:-[a-z0-9]+)+(?: [a-z][a-z0-9-]*){0,2}),\s+(?:a|an)\s")
#: right after a proposal verb, a bare lower-case coinage headed by a technique noun:
#: "We propose progressive short-to-long training with ...", "this paper introduces
#: patch-level training for LLMs"; not "we propose a two-stage training scheme"
BARE_COINAGE = re.compile(
    r"\s+(?!(?:a|an|the|our|its|their|this|these|two|three|novel|new)\b)"
    r"(?P<term>(?:[a-z][a-z0-9]*\s){0,2}[a-z][a-z0-9]*(?:-[a-z0-9]+)+\s(?:[a-z]+\s)?"
    r"(?:training|tuning|learning|attention|decoding|sampling|distillation|pruning|"
    r"quantization|prompting|alignment|optimization|regularization|augmentation|caching|"
    r"merging))(?=\s+(?:with|for|to|that|which|in|on|by)\b|\s*[,.;])")
#: the proposal verbs after which a coinage is looked for
_COINING_VERB = re.compile(r"(?:propose|introduce|present)[sd]?$", re.IGNORECASE)
#: one of these is in every text TERMED matches
_TERMED_HINTS = ("ermed", "eferred to as", "e call", "e term", "ubbed", "oined")
#: heads of what a coinage names when it is no method: "extreme-token phenomena"
_NOT_METHOD_HEADS = frozenset({"phenomena", "phenomenon", "effect", "effects", "problem",
                               "problems", "issue", "issues", "tokens", "points", "bias"})
ENUMERATED = re.compile(
    r"(?:^|[.;]\s+)(?:One|The (?:first|second|third|other|latter|former))\s*,\s+"
    r"(?P<name>[a-z][\w-]*(?:\s[a-z][\w-]*){1,3})\s*,")
#: what every ENUMERATED match holds, found four times faster (no anchor alternatives)
_ENUMERATOR = re.compile(r"(?:One|The (?:first|second|third|other|latter|former))\s*,")
#: every text NAMING matches ends with one of these once trailing space, ":" and "," go
_NAMING_WORDS = ("called", "named", "dubbed", "termed", "coined", "namely", "denoted",
                 "denoted as", "entitled")
NOVEL_APPOSITIVE = re.compile(r"^\s*,\s+(?:a|an)\s+(?:\w+\s+){0,3}?(?:novel|new|first)\b", re.I)
_SIZE_ONLY = re.compile(r"^[\d.,x×]+[a-z%]{0,3}\+?$|^[A-Z]?\d+[A-Za-z]?\+?$|^(FP|INT|BF|TF|W|A)\d+"
                        r"|^[\d.]+[KMBT]?-[\d.]+[KMBT]$", re.I)  # ... or a range: "370M-2.7B"
_PREFIX_MAX_WORDS = 4
#: two capitals alone; a name only where the text defines it or a resource knows it
_TWO_CAPITALS = re.compile(r"^[A-Z]{2}$")
_TASK_AFTER = re.compile(r"\s+tasks?\b")
_TITLE_NP = re.compile(
    r"^(?P<np>(?:[A-Z][\w]*(?:-[\w]+)*\s+){1,4}[A-Z][\w]*(?:-[\w]+)*)\s+(?:for|via|with)\s")
#: the capitalised phrase that ends a title after "via", "with", "using", ...
_TITLE_TAIL = re.compile(
    r"\b(?:via|with|using|through|by)\s+"
    r"(?P<np>(?:[A-Z][\w]*(?:-[\w]+)*\s+){1,4}[A-Z][\w]*(?:-[\w]+)*)\s*[.!?]?\s*$")
#: a version or size at the end of a name: "-100", "-1.1B", "v2"
_VERSION_TAIL = re.compile(r"(?:[-_ ]?(?:v?\d+(?:\.\d+)*[BMK]?))+$", re.IGNORECASE)
_QUANTIFIERS = frozenset({"multiple", "many", "several", "few", "more", "less", "all", "any",
                          "some", "small", "large", "single", "simple", "better", "limited",
                          "greater", "larger", "higher", "lower", "fewer", "near"})
_SUBTITLE_BENCHMARK = re.compile(
    r"^\s*(?:benchmarking|evaluating|(?:an?\s+|the\s+)?(?:[\w-]+\s+){0,4}?"
    r"(?:benchmark|leaderboard|test suite|evaluation suite|testbed|arena)s?\b)")
_SUBTITLE_DATASET = re.compile(
    r"^\s*(?:an?\s+|the\s+)?(?:[\w-]+\s+){0,4}?(?:dataset|corpus|data\s?set)s?\b")
#: a subtitle that is a noun phrase headed by "models": the name is a model family
_SUBTITLE_MODELS = re.compile(
    r"^\s*(?!\w+ing\b)(?:[\w-]+\s+){0,4}?(?:language|foundation|vision|multimodal|"
    r"speech|code|chat)\s+models?\s*$")
_LLM_HEADS = {"LLM", "LM", "VLM", "MLLM", "GPT"}
_INDEFINITE_BEFORE = re.compile(r"\b(?:a|an)\s+(?:[\w-]+\s+)?$", re.IGNORECASE)
#: a preposition between the verb and a name puts the name in a complement
_COMPLEMENT = re.compile(r"\b(?:of|on|from|in|for|with|by|using|via|over|against|than)\b", re.I)
#: a lower-case noun right after a name makes the name a modifier
_MODIFIER = re.compile(r"^[-\s]+(?!(?:and|or|as|to|for|with|by|in|on|which|that|is|are)\b)[a-z]{3,}\b")
_ARTICLES_ONLY = re.compile(r"^\s*(?:(?:a|an|the|our|novel|new|simple)\s+)*$", re.IGNORECASE)
_FUNCTION_WORDS = {"by", "to", "that", "which", "for", "with", "as", "and", "in", "on", "via"}
_LIST_GAP = re.compile(r"^\s*(?:,|/|and|or|, and|, or)\s*$")  # "KAISA/KFAC" too
#: the longest gap between two names of a list, in characters
_LIST_REACH = 6
_EVAL_PREP = re.compile(r"\b(?:on|across|using)\s+(?:the\s+)?$", re.IGNORECASE)


class Discovery:
    """``Doc -> Doc``: candidates for new names, and which names the paper proposes."""

    def __init__(self, resources: Resources):
        self.resources = resources
        #: the same words recur in every abstract; each is judged once per process
        self._coined = lru_cache(maxsize=1 << 16)(self._coined_word)
        #: written forms of known models, to type a new name built on one ("ruT5")
        self._model_forms = frozenset(
            form for entity in resources.entities if entity.type is EntityType.MODEL
            for form in (entity.name, *entity.aliases)
            if len(form) >= 2 and " " not in form and not form.islower())
        #: capitalised component nouns that head a component's name ("Demo Selector")
        self._capitalised_heads = tuple(sorted(
            {head.capitalize() for head in resources.component_heads if head.isalpha()}))
        self._component_head = re.compile(
            r"(?<= )(?:" + "|".join(self._capitalised_heads) + r")\b")
        self._technique_forms = frozenset(
            form for entity in resources.entities
            if entity.type is EntityType.TECHNIQUE and entity.kind == "named"
            for form in (entity.name, *entity.aliases)
            if len(form) >= 3 and " " not in form and sum(map(str.isupper, form)) >= 2)

    def __call__(self, doc: Doc) -> Doc:
        current = state(doc)
        words = list(glued_words(doc, current.text, current.token_starts,
                                 interesting_only=True))
        self._title_prefix(doc, current)
        self._title_tail(doc, current)
        proposals = proposal_spans(current.text)
        self._proposals(doc, current, words, proposals)
        self._quoted_names(doc, current)
        self._quoted_terms(doc, current)
        self._termed_terms(current, proposals)
        self._enumerated_methods(current, proposals)
        self._renamed_models(current)
        self._titled_components(current, words)
        self._name_shapes(doc, current, words)
        if "/" in current.text:
            self._released_names(current)
        return doc

    def _released_names(self, current: DocState) -> None:
        """A name the paper releases its code, model or data under is its own: "...
        DiffuGPT and DiffuLLaMA ... https://github.com/HKUNLP/DiffuLLaMA"."""
        released = {name_key(m.group("repo")) for m in _RELEASE_URL.finditer(current.text)
                    if _RELEASING.search(current.sentence_text(m.start()))}
        if not released:
            return
        current.proposed.update(
            key for c in current.candidates
            if c.known is None and c.kind == "named" and (key := name_key(c.text)) in released)

    def _titled_components(self, current: DocState, words: list[Word]) -> None:
        """A run of capitalised words in running text headed by a component noun
        ("the Demo Selector", "a Sentence Encoder") or followed by "method" ("the
        Context Drop method") names a technique; the paper's own when a proposal
        or "our framework comprises ..." introduces it."""
        text = current.text
        # where such a run ends: before " method" ("the Context Drop method"), or at a
        # capitalised component noun; found first, as few texts have either (a head
        # after a space starts one of the text's capitalised ``words``)
        ends = [m.start("noun") - 1
                for m in _TITLED_BEFORE_METHOD.finditer(text, current.title_end)]
        if any(word.text.startswith(self._capitalised_heads) for word in words):
            ends += [m.end() for m in self._component_head.finditer(text, current.title_end)]
        taken = [(c.start, c.end) for c in current.candidates]
        for end in sorted(set(ends)):
            run = _TITLED_RUN.search(text, max(current.title_end, end - 80), end)
            if run is None:
                continue
            start, words = run.start(), run.group().split(" ")
            while words and words[0] in _CAPITALISED_DETERMINERS:  # "(3) The Demo Selector"
                start += len(words[0]) + 1
                words = words[1:]
            if len(words) < 2 or not any(w[1:2].islower() for w in words):
                continue
            sentence_start, _ = current.sentence(start)
            name = text[start:end]
            if sentence_start == start or name_key(name) in current.blocked or \
                    any(s < end and start < e for s, e in taken) or \
                    self.resources.is_stopped(name) or self.resources.lookup(name) is not None:
                continue
            before = text[sentence_start:start]
            ours = PROPOSAL.search(before) is not None or _OUR_PARTS.search(before) is not None
            _propose(current, start, name, EntityType.TECHNIQUE, kind="named", proposed=ours)

    def _renamed_models(self, current: DocState) -> None:
        """A model the paper makes and names in parentheses: "fine-tuned FLAN-T5-large
        (MathT5)" is a new model, MathT5, derived from FLAN-T5-large."""
        text = current.text
        for known in [c for c in current.candidates if c.known and c.type is EntityType.MODEL]:
            before = text[max(0, known.start - 40) : known.start]
            match = _RENAMED.match(text, known.end)
            if match is None or not _MADE_FROM.search(before):
                continue
            name = match.group("name")
            if _SIZE_ONLY.match(name) or self.resources.lookup(name) is not None or \
                    not is_name_like(name):
                continue
            start = match.start("name")
            _propose(current, start, name, EntityType.MODEL, kind="named", confidence=0.8)
            current.lineage.append((name, known.text, current.sentence_text(start), "stated"))

    # -- title prefix -------------------------------------------------------
    def _title_prefix(self, doc: Doc, current: DocState) -> None:
        title = current.text[: current.title_end]
        colon = title.find(":")
        if colon <= 0:
            self._title_noun_phrase(doc, current, title)
            return
        prefix = title[:colon].strip()
        if not self._prefix_is_name(prefix, current):
            self._subtitle_name(doc, current, title, colon)
            return
        start = title.find(prefix)
        subtitle = title[colon + 1 :]
        ours = SURVEY.search(subtitle) is None  # a survey's title names its topic
        if ours:
            current.proposed.add(name_key(prefix))
        if any(c.start == start and c.end == start + len(prefix) and c.known is not None
               for c in current.candidates):
            return  # the gazetteer has found it; it is only marked proposed
        template = Candidate(
            start=start,
            end=start + len(prefix),
            text=prefix,
            type=self._type_new(doc, prefix, subtitle),
            kind="named",
            rule="title-prefix",
            confidence=0.85,
            proposed=ours,
        )
        short = _short_form_of(prefix, current.candidates)
        if short is not None:
            # "HiP Attention: ..." where the abstract defines "Hierarchically Pruned
            # Attention (HiP)": one entity, under the name the abstract defines
            template = template.with_(type=short.type, aliases=(short.text, *short.aliases))
        current.candidates.append(template)
        if " " in prefix:  # the abstract's uses of a multi-word name ("The Llama Scope SAEs")
            _add_abstract_uses(current, template)

    def _title_noun_phrase(self, doc: Doc, current: DocState, title: str) -> None:
        """A title that opens with a capitalised technique name before "for", "via"
        or "with": "Dynamic Context Pruning for Efficient ... Transformers"."""
        match = _TITLE_NP.match(title)
        if match is None or SURVEY.search(title):
            return
        phrase = match.group("np")
        words = phrase.replace("-", " ").split()
        head, first = words[-1].lower(), words[0].lower()
        entity_type = self.resources.cue_type(head)
        if entity_type is None and self._unmarked_method(phrase):
            entity_type = EntityType.TECHNIQUE  # "Self-Selected Attention Span for ..."
        if entity_type in (None, EntityType.MODEL) or first.endswith(("ing", "ly")):
            return  # "Evaluating Large Language Models", "Compact Language Models"
        if first in ("a", "an", "the", "on", "towards", "toward"):
            return
        content = [w for w in phrase.split()[:-1] if not self.resources.is_stopped(w)]
        if not content:
            return  # "LLM Compression" is a topic, not a name
        if self.resources.is_stopped(phrase) or self.resources.lookup(phrase) is not None:
            return
        current.proposed.add(name_key(phrase))
        current.candidates.append(Candidate(
            start=0, end=len(phrase), text=phrase, type=entity_type, kind="named",
            rule="title-prefix", confidence=0.7, proposed=True))

    def _unmarked_method(self, phrase: str) -> bool:
        """May a capitalised title phrase whose head is no type cue name a method
        ("Self-Selected Attention Span for ...", "... with Self-Supervised Early Exits")?
        Not a clause ("Word Embeddings Are Steers"), a task or field ("Simultaneous
        Machine Translation", "Neuro-Symbolic Language Modeling"), nor a phrase about
        models ("Large Language Model Inference")."""
        words = phrase.replace("-", " ").split()
        head = words[-1].lower()
        if words[0].lower() in _QUANTIFIERS or head in self.resources.not_entity_heads or \
                head in _NOT_METHOD_TITLE_HEADS or \
                head.rstrip("s") in _NOT_METHOD_TITLE_HEADS:
            return False
        return not any(w.lower() in STOP_WORDS or
                       self.resources.cue_type(w.lower()) is EntityType.MODEL for w in words)

    def _title_tail(self, doc: Doc, current: DocState) -> None:
        """A title that ends in the capitalised name of a new technique after "via",
        "with", "using", "through" or "by": "Boosting Tool Use of Large Language Models
        via Iterative Reinforced Fine-Tuning". A known technique ("... with
        Reinforcement Learning"), a model class ("... with Large Language Models")
        or a phrase with a known name in it ("via FLAN Fine-Tuning") is not new, and
        neither is the phrase after a title that names the work before a colon."""
        if current.proposed:
            return  # the title has named its contribution already ("LLM Bandit: ... via ...")
        title = current.text[: current.title_end]
        match = _TITLE_TAIL.search(title)
        if match is None or SURVEY.search(title):
            return
        phrase = match.group("np")
        words = phrase.split()
        parts = phrase.replace("-", " ").split()
        head_type = self.resources.cue_type(parts[-1].lower())
        if head_type is not EntityType.TECHNIQUE and not (
                head_type is None and self._unmarked_method(phrase)):
            return
        if parts[0].lower() in _QUANTIFIERS or any(
                self.resources.cue_type(w.lower()) is EntityType.MODEL for w in parts[:-1]):
            return  # "Multiple Decoding Heads", "Large Language Model Fine-tuning"
        if self.resources.is_stopped(phrase) or self.resources.lookup(phrase) is not None or \
                any(self.resources.lookup(w) is not None or is_name_like(w) for w in words[:-1]):
            return  # "via FLAN Fine-Tuning" uses FLAN
        if name_key(phrase) in current.blocked:
            return
        current.proposed.add(name_key(phrase))
        template = Candidate(
            start=match.start("np"), end=match.end("np"), text=phrase,
            type=EntityType.TECHNIQUE, kind="named", rule="title-prefix", confidence=0.7,
            proposed=True)
        current.candidates.append(template)
        _add_abstract_uses(current, template, re.IGNORECASE)

    def _subtitle_name(self, doc: Doc, current: DocState, title: str, colon: int) -> None:
        """After a slogan, a coined name may open the subtitle:
        "Think Big, Generate Quick: LLM-to-SLM for Fast Decoding"."""
        match = re.match(r"\s*(\S+)\s+(?:for|with|via|in|on|as)\b", title[colon + 1 :])
        if match is None:
            return
        name = match.group(1)
        if not (is_name_like(name) or "-" in name) or self.resources.is_stopped(name):
            return
        if self.resources.lookup(name) is not None or not name[:1].isupper():
            return
        start = colon + 1 + match.start(1)
        current.proposed.add(name_key(name))
        current.candidates.append(Candidate(
            start=start, end=start + len(name), text=name,
            type=self._type_new(doc, name, title[start + len(name):]), kind="named",
            rule="title-prefix", confidence=0.75, proposed=True))

    def _prefix_is_name(self, prefix: str, current: DocState) -> bool:
        """Is a title's "Prefix: subtitle" prefix a name (searched for in the abstract)?"""
        text, abstract_start = current.text, current.title_end
        words = prefix.split()
        if not words or len(words) > _PREFIX_MAX_WORDS or re.search(r"[,;!?]", prefix):
            return False
        if self.resources.is_stopped(prefix) or prefix.lower() in ("a", "the"):
            return False
        if self.resources.lookup(prefix) is not None:
            return True
        if len(words) > 1 and _slogan(words):
            return False
        if len(words) == 1:
            word = words[0]
            if not word[:1].isupper():
                return False
            if is_name_like(word) or "-" in word:
                return True
            return _word(word).search(text, abstract_start) is not None
        if not all(w[:1].isupper() or w[:1].isdigit() for w in words):
            return False
        # short multi-word names need a coined-looking word ("Phi-3 Mini", "Nemotron-4 340B")
        if any(is_name_like(w) for w in words):
            return True
        # or the abstract uses the phrase as a name: a known name made into a new
        # one ("Llama Scope"), or a technique head ("Momentum Decoding") the
        # abstract repeats
        used = whole_name(prefix, re.IGNORECASE).search(text, abstract_start)
        if used is None:
            return False
        head = words[-1].lower()
        return any(self.resources.lookup(w) is not None for w in words[:-1]) or (
            self.resources.cue_type(head) is EntityType.TECHNIQUE
            and not any(self.resources.is_stopped(w) for w in words[:-1])
        ) or _proposed_before(current, used.start())

    def _type_new(self, doc: Doc, name: str, subtitle: str = "") -> EntityType:
        """Type of a proposed name: what the text calls it where it names it ("a
        framework called X"), its context in the abstract, its shape, the subtitle."""
        current = state(doc)
        glued = _GLUED_MODEL.search(name) is not None  # "InfMLLM", "VisionLLM", "SciBERT"
        # a glued model name's type comes from the abstract, never from the subtitle
        for at in whole_name_starts(name, current.text, current.title_end if glued else 0):
            found = self._type_where_named(doc, current, at, at + len(name))
            if found is not None:
                return found
        if glued:
            return EntityType.MODEL
        found = type_from_shape(name) or self._type_from_name_inside(name)
        if found is not None:
            return found
        sub = subtitle.lower()
        if _SUBTITLE_BENCHMARK.match(sub):
            return EntityType.BENCHMARK
        if _SUBTITLE_DATASET.match(sub):
            return EntityType.DATASET
        if re.search(r"\b(an?|open|our)\s+(\w+\s+){0,3}(language |foundation )?models?\b", sub):
            return EntityType.MODEL
        if _SUBTITLE_MODELS.match(sub):
            return EntityType.MODEL  # "YAYI 2: Multilingual Open-Source Large Language Models"
        return EntityType.TECHNIQUE

    def _type_where_named(self, doc: Doc, current: DocState, start: int,
                          end: int) -> EntityType | None:
        """Type of a name at ``start:end`` from the words around it: after a naming
        word ("a unified learning-based framework called LLMOPT"), after it ("X, a
        benchmark"), or the phrase it is in apposition to ("a benchmark, XR-Scene")."""
        before = current.text[max(0, start - 60) : start]
        if NAMING.search(before):
            found = type_from_words_before(before, self.resources)
            if found is not None:
                return found
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is None:
            return None
        found = type_from_context(doc, span.start, span.end, self.resources)
        if found is None and (head := _APPOSED_TO.search(before)) is not None:
            found = self.resources.cue_type(head.group("head").lower())
        return found

    # -- "we propose X" -----------------------------------------------------
    def _proposals(self, doc: Doc, current: DocState, words: list[Word],
                   proposals: list[tuple[int, int]]) -> None:
        text = current.text
        for _, end in proposals:
            self._proposal_objects(doc, current, words, end)
        if "ontribution" in text:
            self._contributions(current, words)
        for word in words:
            if not word.text[:1].isupper() and not self._coined(word.text):
                continue  # every rule below needs a capitalised or coined word
            before = text[max(0, word.start_char - 40) : word.start_char]
            after = text[word.end_char : word.end_char + 60]
            # the tests on the last word before the name are what NAMING and
            # _OUR_BEFORE need, and cheap: most words fail them
            last = before.rstrip().rstrip(":,").rstrip().lower()
            named = (last.endswith(_NAMING_WORDS) and NAMING.search(before) is not None) or \
                ("we " in before.lower() and _WE_NAME.search(before) is not None)
            if named or (after.lstrip().startswith(",") and NOVEL_APPOSITIVE.match(after)):
                if self._coined(word.text) or (named and self._titled_name(word.text) and
                                               before.rstrip(" :,").rsplit(None, 1)[-1].islower()
                                               and not after[:2].lstrip()[:1].isupper()):
                    # "a model named Bode"; not "Named Entity Recognition", nor the first
                    # word of a longer name ("dubbed Aligning TeacheR with ...")
                    # "X, a novel benchmark" is typed by what follows it (_type_new)
                    named_as = type_from_words_before(before, self.resources) if named else None
                    self._add_new(doc, current, word, "proposal", proposed=True,
                                  entity_type=named_as)
            elif last.endswith("our") and _OUR_BEFORE.search(before) and (
                self._coined(word.text) or self._titled_with_cue(doc, word)
            ):
                self._add_new(doc, current, word, "proposal", proposed=True)
            elif ("our" in last or "proposed" in last) and OURS_BEFORE.search(before) and (
                self._coined(word.text) or self._titled_with_cue(doc, word) or
                (self._titled_name(word.text) and before.rstrip().endswith((",", ":"))
                 and not after[:2].lstrip()[:1].isupper())
            ):  # "our proposed Bllossom model", "our model, Zentor"; not "our model, Matrix Norm"
                self._add_new(doc, current, word, "proposal", proposed=True,
                              entity_type=type_from_words_before(before, self.resources))
            elif before.endswith(", ") and _TITLED_COMPOUND.match(word.text):
                self._apposed_compound(doc, current, word, before, after)

    def _proposal_objects(self, doc: Doc, current: DocState, words: list[Word],
                          start: int) -> None:
        """What the proposal verb ending at ``start`` introduces."""
        text = current.text
        if not self._propose_phrase(doc, current, start):
            self._propose_first_name(doc, current, words, start, _clause_end(text, start))
        sentence_end = current.sentence(start)[1]
        if _FAMILY.match(text, start):
            # "we present a family of 13 models (ruBERT, ruT5, ...)": every new
            # name of the sentence is one of them
            self._propose_new_names(current, words, start, sentence_end)
        elif (parts := _ITS_PARTS.search(text, start, sentence_end)) is not None:
            # "we introduce a benchmark, XR-Scene, which contains tasks including
            # XR-QA and XR-Caption": the new names of its parts are the paper's too
            self._propose_new_names(current, words, parts.end(), sentence_end)
        self._apposed_objects(doc, current, words, start, sentence_end)

    def _apposed_compound(self, doc: Doc, current: DocState, word: Word, before: str,
                          after: str) -> None:
        """A capitalised compound a proposal names in apposition: "proposing a novel
        method, Predictive-Decoding, that ..."; typed by the phrase before it."""
        apposed = _APPOSED_TO.search(before)
        if apposed is None or not _CLAUSE_GOES_ON.match(after):
            return
        sentence_start = current.sentence(word.start_char)[0]
        if _PROPOSING.search(current.text, sentence_start, word.start_char) is None:
            return
        if self.resources.is_stopped(word.text) or self.resources.lookup(word.text) is not None:
            return
        self._add_new(doc, current, word, "proposal", proposed=True,
                      entity_type=self.resources.cue_type(apposed.group("head").lower()))

    def _propose_new_names(self, current: DocState, words: list[Word], start: int,
                           end: int) -> None:
        """Every new name between ``start`` and ``end`` is the paper's own."""
        known = {c.start for c in current.candidates if c.rule == "gazetteer"}
        current.proposed.update(
            name_key(w.text) for w in words
            if start < w.start_char < end and self._coined(w.text)
            and w.start_char not in known  # "of the Llama-3.1-8B-Base model"
            and not current.in_url(w.start_char, w.end_char))

    def _apposed_objects(self, doc: Doc, current: DocState, words: list[Word], start: int,
                         end: int) -> None:
        """The new names a proposal's sentence describes in apposition are its objects:
        "by creating Tele-Data, a comprehensive dataset ..., and Tele-Eval, a large-scale
        question-and-answer dataset". Not after a comparison ("outperforms FooNet, a
        strong model") or an example ("such as ...")."""
        for word in words:
            if not start < word.start_char < end:
                continue
            # a compound of capitalised words ("Tele-Data") is no coinage by its shape,
            # but is a name where it stands in apposition to what the proposal made
            titled = not self._coined(word.text) and _TITLED_COMPOUND.match(word.text) and \
                not self.resources.is_stopped(word.text) and self.resources.lookup(word.text) is None
            if not titled and not self._coined(word.text):
                continue
            previous = current.text[max(start, word.start_char - 30) : word.start_char].split()
            if _APPOSITION.match(current.text, word.end_char) is None or \
                    _NOT_OURS_BETWEEN.search(current.text, start, word.start_char) or \
                    (previous and previous[-1][:1].isupper()):
                continue  # nor the last word of a longer name ("StudenT PreferencEs")
            found = type_from_context(doc, word.start, word.end, self.resources)
            if found is not None and titled:
                self._add_new(doc, current, word, "proposal", proposed=True, entity_type=found)
            elif found is not None:
                current.proposed.add(name_key(word.text))

    def _contributions(self, current: DocState, words: list[Word]) -> None:
        """The new names of each listed contribution that makes something: "Our key
        contributions include: (1) designing components such as SNNMatmul and
        SNNSiLU; (2) ..."; not those of "(3) evaluating ConDA and RADAR"."""
        for match in _CONTRIBUTIONS.finditer(current.text):
            sentence_end = current.sentence(match.start())[1]
            start = match.end()
            for item in _CONTRIBUTION_ITEM.finditer(current.text, start, sentence_end):
                if _MAKING.match(item.group()):
                    self._propose_new_names(current, words, item.start(), item.end())

    def _propose_first_name(self, doc, current, words, start: int, end: int) -> None:
        """The object of a proposal verb, if it is a name: a new coined word, or a
        known name right after the verb. A name inside a complement ("labels of
        the TREC track") or used as a modifier ("a RAG task categorization
        method") is not what the paper proposes."""
        text = current.text
        named = [c for c in current.candidates if start <= c.start < end and c.kind == "named"]
        new = [w for w in words if start <= w.start_char < end and
               (self._coined(w.text) or self._standalone_title_word(doc, w, start))]
        first_known = min((c.start for c in named), default=None)
        first_new = min((w.start_char for w in new), default=None)
        if first_new is not None and (first_known is None or first_new < first_known):
            word = next(w for w in new if w.start_char == first_new)
            if not _COMPLEMENT.search(text[start : word.start_char]):
                self._add_new(doc, current, word, "proposal", proposed=True)
        elif first_known is not None:
            chosen = next(c for c in named if c.start == first_known)
            if not _ARTICLES_ONLY.match(text[start : chosen.start]):
                return  # "we propose a method that uses FlashAttention"
            if _MODIFIER.match(text[chosen.end : chosen.end + 40]):
                return  # "we propose a RAG task categorization method"
            current.proposed.add(name_key(chosen.text))
            current.proposed.update(name_key(a) for a in chosen.aliases)

    def _enumerated_methods(self, current: DocState, proposals: list[tuple[int, int]]) -> None:
        """Methods a paper lists as its own: "One, hidden state optimization, can ..." and
        "The other, conditional beam search, allows ..." (``proposals``: the text's
        proposal cues; none, none of its own)."""
        if not proposals or not _ENUMERATOR.search(current.text):
            return
        for match in ENUMERATED.finditer(current.text):
            phrase = match.group("name")
            if self.resources.is_stopped(phrase) or self.resources.lookup(phrase):
                continue
            _propose(current, match.start("name"), phrase, EntityType.TECHNIQUE)

    def _quoted_terms(self, doc: Doc, current: DocState) -> None:
        """A lower-case term in quotes with a technique head: 'specialized "n-gram heads"'."""
        if '"' not in current.text and "\u201c" not in current.text:
            return  # every term starts with one (a cheap test first)
        for match in QUOTED_TERM.finditer(current.text):
            term = match.group("term")
            head = term.replace("-", " ").split()[-1]
            if self.resources.cue_type(head) is not EntityType.TECHNIQUE:
                continue
            if self.resources.is_stopped(term) or self.resources.lookup(term):
                continue
            sentence = current.sentence_text(match.start())
            proposed = re.search(r"\b(?:we|our)\b", sentence, re.IGNORECASE) is not None
            _propose(current, match.start("term"), term, EntityType.TECHNIQUE, proposed=proposed)

    def _termed_terms(self, current: DocState, proposals: list[tuple[int, int]]) -> None:
        """A hyphenated lower-case coinage right after a naming verb, or introduced
        with an appositive, is a technique the paper names: "termed in-context
        forecasting", "referred to as self-injection", "we introduce proxy-tuning, a
        decoding-time algorithm"; not "referred to as extreme-token phenomena"."""
        text = current.text
        matches = []
        if "-" in text:  # every coinage is hyphenated
            for start, end in proposals:
                if _COINING_VERB.search(text, start, end) and \
                        text[start : start + 3].lower() != "by ":
                    found = (APPOSED_COINAGE.match(text, end)
                             or BARE_COINAGE.match(text, end))
                    if found is not None:
                        matches.append(found)
        if any(hint in text for hint in _TERMED_HINTS):  # a cheap test first
            matches += TERMED.finditer(text)
        for match in matches:
            words = match.group("term").split(" ")
            end = next((i for i, w in enumerate(words) if w in _PHRASE_END), len(words))
            term = " ".join(words[:end])
            if "-" not in term or term.split()[-1] in _NOT_METHOD_HEADS:
                continue
            if self.resources.is_stopped(term) or self.resources.lookup(term):
                continue
            _propose(current, match.start("term"), term, EntityType.TECHNIQUE)

    def _quoted_names(self, doc: Doc, current: DocState) -> None:
        """A capitalised name in quotes after a naming verb: 'we build a "Large Concept Model"'."""
        if '"' not in current.text and "\u201c" not in current.text:
            return
        for match in QUOTED_NAME.finditer(current.text):
            # "Language Model Learning (LML)": the acronym detector has the definition
            name = re.sub(r"\s*\([^()]*\)$", "", match.group("name").strip())
            if not name[:1].isupper() or self.resources.is_stopped(name):
                continue
            if self.resources.lookup(name) is not None:
                current.proposed.add(name_key(name))
                continue
            _propose(current, match.start("name"), name,
                     type_from_head(name, self.resources) or self._type_new(doc, name),
                     kind="named", confidence=0.8)

    def _propose_phrase(self, doc: Doc, current: DocState, verb_end: int) -> bool:
        """A multi-word capitalised name right after the verb, or after "a novel
        approach, the": "we develop Online Dynamic Pruning, which ..."."""
        text = current.text
        starts = [verb_end]
        comma = text.find(",", verb_end, verb_end + 60)
        if comma > 0 and not re.search(r"[A-Z(]", text[verb_end:comma]):
            starts.append(comma + 1)
        for start in starts:
            span = _capitalised_run(doc, start)
            if span is None:
                continue
            if any(c.start <= span.start_char and span.end_char <= c.end
                   for c in current.candidates):
                return False  # an acronym or known name covers it already
            phrase = span.text
            if self.resources.is_stopped(phrase) or self.resources.lookup(phrase):
                return False
            _propose(current, span.start_char, phrase,
                     type_from_head(phrase, self.resources) or self._type_new(doc, phrase),
                     kind="named", confidence=0.75)
            return True
        return False

    def _standalone_title_word(self, doc: Doc, word: Word, verb_end: int) -> bool:
        """A capitalised word right after the verb that stands alone: "we propose Flacuna by"."""
        if state(doc).text[verb_end : word.start_char].strip() or not word.text[:1].isupper():
            return False
        if self.resources.is_stopped(word.text) or self.resources.lookup(word.text):
            return False
        following = doc[word.end] if word.end < len(doc) else None
        return following is None or following.is_punct or following.lower_ in _FUNCTION_WORDS

    # -- coined-looking words ------------------------------------------------
    def _name_shapes(self, doc: Doc, current: DocState, words: list[Word]) -> None:
        self._named_llms(doc, current, words)
        taken = {(c.start, c.end) for c in current.candidates}
        prefixes = {c.start: c for c in current.candidates if c.known is not None and c.type}
        introduced = {name_key(c.text): c for c in current.candidates
                      if c.rule in _INTRODUCING_RULES and c.known is None and c.type}
        untyped: list[Word] = []
        for word in words:
            if (word.start_char, word.end_char) in taken or not self._coined(word.text):
                continue
            if word.start_char < current.title_end and word.start_char == 0:
                continue  # handled by the title-prefix rule
            if _TWO_CAPITALS.match(word.text):
                continue  # "CF models", "the WG task": too ambiguous unless the text defines it
            if word.text.isupper() and _TASK_AFTER.match(current.text, word.end_char):
                continue  # "on SLU tasks": an acronym the text does not define names a task
            known = prefixes.get(word.start_char)
            rest = word.text[known.end - known.start:].strip("-_ ").lower() if known else ""
            if known is not None and known.end < word.end_char and \
                    self.resources.cue_type(rest) is not EntityType.TECHNIQUE:
                # a variant of a known name ("LLAMA2-13" of Llama-2) is of its type; a
                # method named after one is not ("SAM-Decoding")
                self._add_new(doc, current, word, "name-shape", entity_type=known.type)
                continue
            by_context = type_from_context(doc, word.start, word.end, self.resources) or \
                self._type_from_preceding_cue(doc, word)
            if by_context is not None:
                self._add_new(doc, current, word, "name-cue", entity_type=by_context)
                continue
            # the type the paper's naming of it gave ("a framework called LLMOPT")
            # before what the shape suggests ("LLMOPT" ends in the model OPT)
            named = introduced.get(name_key(word.text))
            by_shape = ((named.type if named is not None else None)
                        or type_from_shape(word.text)
                        or self._type_from_neighbours(doc, current, word)
                        or self._type_from_name_inside(word.text))
            if by_shape is not None:
                self._add_new(doc, current, word, "name-shape", entity_type=by_shape)
            else:
                untyped.append(word)
        self._typed_by_list(doc, current, untyped)
        if untyped:
            self._repeated_names(doc, current, untyped)
            self._recurring_coinages(doc, current, untyped)

    def _recurring_coinages(self, doc: Doc, current: DocState, untyped: list[Word]) -> None:
        """A coined CamelCase word the abstract uses again and again names something,
        even where no word says what: "We propose to adapt pre-trained LMs into
        AutoCompressors ... AutoCompressors can utilize long contexts"."""
        found = {name_key(c.text) for c in current.candidates}
        left = [w for w in untyped if name_key(w.text) not in found and _CAMEL.search(w.text)]
        uses = Counter(name_key(w.text) for w in left)
        for word in left:
            if uses[name_key(word.text)] >= 2:
                self._add_new(doc, current, word, "name-shape")

    def _typed_by_list(self, doc: Doc, current: DocState, untyped: list[Word]) -> None:
        """The names of a list before the one that has a type: "SNNMatmul, SNNSoftmax,
        and SNNSiLU" (the last ends in a known technique). Removes those it types."""
        pool = list(untyped)
        while pool:
            typed = [(w, found) for w in pool
                     if (found := self._type_from_neighbours(doc, current, w)) is not None]
            added = len(current.candidates)
            for word, found in typed:
                self._add_new(doc, current, word, "name-shape", entity_type=found)
                untyped.remove(word)
            # only a word next to a name typed just now can be typed by the next round
            fresh = current.candidates[added:]
            ends = {c.end for c in fresh}
            starts = {c.start for c in fresh}
            pool = [w for w in untyped if any(
                w.start_char - d in ends or w.end_char + d in starts
                for d in range(_LIST_REACH + 1))]

    def _repeated_names(self, doc: Doc, current: DocState, untyped: list[Word]) -> None:
        """A name the text has typed elsewhere is the same name where nothing types it:
        "Lumina-T2X is a family of ..." and later "an improved version of Lumina-T2X".
        It takes the type of the surest finding and, being only a repetition, adds
        little to the vote on the entity's type."""
        best: dict[str, Candidate] = {}
        for other in current.candidates:
            key = name_key(other.text)
            if other.type is not None and other.kind == "named" and (
                    key not in best or other.confidence > best[key].confidence):
                best[key] = other
        for word in untyped:
            key = name_key(_unglued(word, current).text)
            found = best.get(key)
            plural = best.get(key + "s") if found is None else None
            if plural is not None:
                # "We name such steers LM-Steers" ... "The learned LM-Steer": one name
                self._add_new(doc, current, word, "name-shape", entity_type=plural.type,
                              confidence=_REPEATED, aliases=(plural.text,))
            elif found is not None:
                self._add_new(doc, current, word, "name-shape", entity_type=found.type,
                              confidence=_REPEATED)

    def _type_from_name_inside(self, name: str) -> EntityType | None:
        """Model, for a name that ends in a known model's name, version and size aside:
        "ruT5", "FRED-T5", "ruGPT-3", "xLLaMA-100"; technique, for one whose tail
        from a capital letter on is a named technique's name: "SNNSiLU", "GraphRAG"."""
        for stem in {name, _VERSION_TAIL.sub("", name)}:
            for i in range(1, len(stem) - 1):
                if stem[i:] in self._model_forms or stem[i:].lstrip("-") in self._model_forms:
                    return EntityType.MODEL
        for i in range(2, len(name) - 2):
            if name[i].isupper() and name[i:] in self._technique_forms:
                return EntityType.TECHNIQUE
        return None

    def _type_from_preceding_cue(self, doc: Doc, word: Word) -> EntityType | None:
        """Type from a head noun just before the name: "a scheme, SimCTG,", "the model X"."""
        i = word.start - 1
        if i >= 1 and doc[i].text == ",":
            i -= 1
        return self.resources.cue_type(doc[i].lower_) if i >= 0 else None

    def _type_from_neighbours(self, doc: Doc, current: DocState, word: Word) -> EntityType | None:
        """Type of a list it stands in ("MMLU, GSM8K and X"), or Benchmark when it
        follows "on" in a sentence about evaluation."""
        for other in current.candidates_near(word.start_char, word.end_char, _LIST_REACH):
            if other.type is None or other.kind != "named":
                continue
            gap = (current.text[other.end : word.start_char] if other.end <= word.start_char
                   else current.text[word.end_char : other.start])
            if len(gap) <= _LIST_REACH and _LIST_GAP.match(gap):
                return other.type
        before = current.text[max(0, word.start_char - 20) : word.start_char]
        sentence = current.sentence_text(word.start_char)
        if _EVAL_PREP.search(before) and EVALUATION_CUE.search(sentence):
            return EntityType.BENCHMARK
        return None

    def _titled_name(self, word: str) -> bool:
        """A capitalised ordinary-looking word the text names something with
        ("a model named Bode"): not known, not a stop-listed term."""
        return (word.istitle() and word.isalpha() and len(word) >= 3 and
                not word.endswith("ing") and
                not self.resources.is_stopped(word) and self.resources.lookup(word) is None)

    def _titled_with_cue(self, doc: Doc, word: Word) -> bool:
        """A capitalised word followed by a type cue: "our Guanaco model"."""
        if not word.text[:1].isupper() or self.resources.is_stopped(word.text):
            return False
        if self.resources.lookup(word.text) is not None:
            return False
        return word.end < len(doc) and self.resources.cue_type(doc[word.end].lower_) is not None

    def _named_llms(self, doc: Doc, current: DocState, words: list[Word]) -> None:
        """A capitalised word naming an LLM mid-sentence: "the second User LLM"."""
        for first, second in zip(words, words[1:]):
            if second.text not in _LLM_HEADS or not first.text.istitle():
                continue
            if first.start_char < current.title_end:
                continue  # titles capitalise every word
            if current.text[first.end_char : second.start_char] != " ":
                continue
            if current.sentence(first.start_char)[0] == first.start_char or \
                    not first.text.isalpha() or first.text.lower() in STOP_WORDS:
                continue  # "(ii) For LLM alignment"
            before = current.text[max(0, first.start_char - 40) : first.start_char]
            if _INDEFINITE_BEFORE.search(before):
                continue  # "a Japanese LLM" is one of a class, not a name
            phrase = current.text[first.start_char : second.end_char]
            if self.resources.is_stopped(phrase) or self.resources.lookup(phrase):
                continue
            current.candidates.append(Candidate(
                start=first.start_char, end=second.end_char, text=phrase,
                type=EntityType.MODEL, kind="named", rule="name-shape", confidence=0.6))

    def _coined_word(self, word: str) -> bool:
        """A new coined name: name-like, not a size or number, not known, not stopped."""
        if not is_name_like(word) or _SIZE_ONLY.match(word):
            return False
        if self.resources.is_stopped(word) or self.resources.lookup(word) is not None:
            return False
        stem = word[:-1] if word.endswith("s") else word
        return not self.resources.is_stopped(stem)

    def _add_new(self, doc, current: DocState, word: Word, rule: str, *, proposed: bool = False,
                 entity_type: EntityType | None = None, confidence: float | None = None,
                 aliases: tuple[str, ...] = ()) -> None:
        word = _unglued(word, current)
        if name_key(word.text) in current.blocked:
            return
        if word.end < len(doc) and doc[word.end].lower_ in self.resources.component_heads and \
                current.text[word.end_char : word.end_char + 1] == " ":
            head = doc[word.end]
            word = Word(word.start, word.end + 1, word.start_char, head.idx + len(head.text),
                        current.text[word.start_char : head.idx + len(head.text)])
            entity_type = EntityType.TECHNIQUE if entity_type is None else entity_type
        number = _NUMBER_AFTER.match(current.text, word.end_char)
        if number is not None and word.text.isupper():
            # "FLORES 200, NTREX 128 and TICO-19": the number is part of the name
            end = word.end_char + len(number.group(0))
            word = Word(word.start, current.token_at(end), word.start_char, end,
                        current.text[word.start_char : end])
        if proposed:
            current.proposed.add(name_key(word.text))
        if confidence is None:
            confidence = {"proposal": 0.85, "name-cue": 0.7, "name-shape": 0.6}[rule]
        current.candidates.append(
            Candidate(
                start=word.start_char,
                end=word.end_char,
                text=word.text,
                type=entity_type or self._type_new(doc, word.text),
                kind="named",
                rule=rule,
                confidence=confidence,
                proposed=proposed,
                aliases=aliases,
            )
        )


#: rules that find a name where the paper introduces it, with what it is
_INTRODUCING_RULES = frozenset({"title-prefix", "proposal", "acronym"})
#: the confidence of a name's further uses, typed after its first finding
_REPEATED = 0.3
_LEADING = {"a", "an", "the", "novel", "new", "simple", "general", "unified", "first"}
_CONNECTORS = {"of", "for", "-", "and", "in", "to"}
_PHRASE_END = {"which", "that", "to", "for", "with", "by", "and", "as", "in", "on", "is", "was",
               "are", "where", "whose", "who", "from", "via", "using", "through"}


#: one glued word ending in a model-family suffix names a model, whatever the
#: subtitle calls it ("InfMLLM: A Unified Framework for ..."), unless the abstract
#: says what it is ("SharedLLM, a novel approach ...": the paper's own method)
_GLUED_MODEL = re.compile(r"^[A-Z][A-Za-z0-9]*[a-z0-9][A-Za-z0-9]*(?:LLM|LM|GPT|BERT)$")

#: "(MathT5)" right after a model name
_RENAMED = re.compile(r"\s*\((?P<name>[A-Z][A-Za-z0-9.+-]{2,24})\)")
#: the model before it was made by training it: "fine-tuned", "our distilled"
_MADE_FROM = re.compile(
    r"\b(?:fine-?tuned|trained|adapted|distilled|instruction-tuned|aligned|our)\s+(?:\S+\s+)?$",
    re.IGNORECASE)

#: words that make a title's opening phrase a slogan or a topic, not a name
_SLOGAN_WORDS = frozenset({"beyond", "unveiled", "revisited", "explained", "matters", "meets",
                           "solutions", "survey", "review", "versus", "vs", "really", "need",
                           "made", "easy", "unleashed", "demystified", "unlocked"})


def _propose(current: DocState, start: int, text: str, entity_type: EntityType | None, *,
             kind: str = "concept", confidence: float = 0.7, proposed: bool = True) -> None:
    """Add ``text`` at ``start`` as a candidate of the "proposal" rule, marked as the
    paper's own unless ``proposed`` is false."""
    if proposed:
        current.proposed.add(name_key(text))
    current.candidates.append(Candidate(
        start=start, end=start + len(text), text=text, type=entity_type, kind=kind,
        rule="proposal", confidence=confidence, proposed=proposed))


def _short_form_of(prefix: str, candidates: list[Candidate]) -> Candidate | None:
    """The acronym a two-word title prefix spells with its long form's head: "HiP
    Attention" for "Hierarchically Pruned Attention (HiP)"."""
    words = prefix.split()
    if len(words) != 2:
        return None
    for candidate in candidates:
        if candidate.rule == "acronym" and candidate.text == words[0] and candidate.aliases and \
                candidate.aliases[0].split()[-1].lower() == words[1].lower():
            return candidate
    return None


def _unglued(word: Word, current: DocState) -> Word:
    """A name the text glued to the next word where a space went missing ("We
    open-sourced DKerneland make it ...", "we show S2-Attentioncan provide") is the
    name found elsewhere in the text, without the word."""
    tail = re.search(r"[a-z]+$", word.text)  # the lower-case end holds the glued word
    if tail is None or tail.start() == 0:
        return word
    for length in range(tail.start(), len(word.text) - 1):
        head = word.text[:length]
        if word.text[length:] in STOP_WORDS and any(c.text == head for c in current.candidates):
            end = word.start_char + length
            return Word(word.start, current.token_at(end), word.start_char, end, head)
    return word


def _add_abstract_uses(current: DocState, template: Candidate, flags: int = 0) -> None:
    """The abstract's uses of a name the title gives, as candidates like ``template``."""
    if flags:
        pattern = whole_name(template.text, flags)
        found = [(m.start(), m.end(), m.group())
                 for m in pattern.finditer(current.text, current.title_end)]
    else:
        found = [(at, at + len(template.text), template.text)
                 for at in whole_name_starts(template.text, current.text, current.title_end)]
    for start, end, text in found:
        current.candidates.append(template.with_(start=start, end=end, text=text))


def _proposed_before(current: DocState, start: int) -> bool:
    """Is the phrase at ``start`` the object of a proposal, or its appositive ("we
    propose a new translation paradigm, compositional translation"), not a later
    complement ("we propose a method ... to identify language-specific neurons")?"""
    sentence_start, _ = current.sentence(start)
    for proposal in PROPOSAL.finditer(current.text, sentence_start, start):
        if _OBJECT_GAP.match(current.text[proposal.end() : start]):
            return True
    return False


def _slogan(words: list[str]) -> bool:
    """Is a multi-word title opening a slogan ("Enhancing Amharic-LLaMA", "LLM Inference
    Unveiled", "TinyHelen's First Curriculum") rather than a name?"""
    first = words[0]
    if first.istitle() and first.endswith("ing") and len(first) > 5:
        return True  # a gerund: "Enhancing X", "Unpacking X"
    if any(w.endswith(("'s", "’s")) for w in words):
        return True
    return any(w.lower().strip(".!?") in _SLOGAN_WORDS for w in words[1:])


def _capitalised_run(doc: Doc, char_start: int):
    """The run of two or more capitalised words starting at ``char_start`` (after
    articles and "novel"/"new"), or None: "Pre-Loading Mixed-Precision Quantization"."""
    i = state(doc).token_at(char_start)
    while i < len(doc) and doc[i].is_space:
        i += 1
    if i >= len(doc):
        return None
    while i < len(doc) and doc[i].lower_ in _LEADING:
        i += 1
    start, end, capitals = i, i, 0
    while end < len(doc):
        token = doc[end]
        if token.text[:1].isupper() or (token.text[:1].isdigit() and capitals):
            capitals += token.text[:1].isupper()
            end += 1
        elif token.text == "-" and not doc[end - 1].whitespace_ and end > start:
            end += 1
        elif token.lower_ in _CONNECTORS and capitals and end + 1 < len(doc) and \
                doc[end + 1].text[:1].isupper():
            end += 1
        else:
            break
    while end > start and (doc[end - 1].lower_ in _CONNECTORS or doc[end - 1].text == "-"):
        end -= 1
    if end < len(doc) and doc[end].is_alpha and doc[end].is_lower and \
            doc[end].lower_ not in _PHRASE_END:
        return None  # the noun phrase goes on in lower case: "Efficient and Extreme length"
    if end < len(doc) and doc[end].text == "-" and not doc[end - 1].whitespace_:
        return None  # cut inside a compound: "Sliding Window-based", "Router for Mixture-of-Experts"
    words = doc[start:end].text.replace("-", " ").split()
    if capitals < 2 or len(words) < 2 or len(words) > 7:
        return None
    if len(words) == 3 and words[1] == "and":
        return None  # two names: "ARBERT and MARBERT"
    return doc[start:end]


#: two to four capitalised words or acronyms ending where the search ends: "Demo
#: Selector", "API Retriever"
_TITLED_RUN = re.compile(
    r"(?<![\w-])(?:(?:[A-Z][a-z]+|[A-Z]{2,6})(?:-[A-Za-z]+)* ){1,3}"
    r"(?:[A-Z][a-z]+|[A-Z]{2,6})(?:-[A-Za-z]+)*$")
_CAPITALISED_DETERMINERS = frozenset({"The", "A", "An", "Our", "This", "These", "Its", "Each"})
#: a lower-case technique noun after a capitalised word: "the Context Drop method"
_TITLED_BEFORE_METHOD = re.compile(
    r"[A-Z][a-z]+ (?P<noun>method|module|mechanism|algorithm|technique|strategy|scheme|"
    r"adapters?|layer|loss)\b")
#: the paper listing the parts of its own work: "Our framework comprises three components"
_OUR_PARTS = re.compile(
    r"\bour\b[^.;]{0,60}?\b(?:comprises|consists of|includes|contains|is composed of)\b",
    re.IGNORECASE)
#: from a proposal verb to its object or the object's appositive
_OBJECT_GAP = re.compile(r"^(?:\s+(?:a|an|the|our|new|novel)\b)*"
                         r"(?:(?:\s+[\w-]+){1,6}?\s*,)?\s*$", re.IGNORECASE)
#: a number that ends a name in a list: "NTREX 128 and ..."
_NUMBER_AFTER = re.compile(r" \d{2,4}(?=,| and\b| or\b|\)|\.(?:\s|$)|;|$)")
#: the paper listing its contributions: "Our key contributions include:"
_CONTRIBUTIONS = re.compile(r"\b[Oo]ur (?:\w+ ){0,2}contributions? (?:include|are|is|lie)\b")
#: one listed contribution: from an enumerator or semicolon to the next
_CONTRIBUTION_ITEM = re.compile(r"(?:\(?(?:\d|[ivx]{1,3})\)|;)[^;]*")
#: a contribution that makes something
_MAKING = re.compile(r"^(?:\(?(?:\d|[ivx]{1,3})\)|;)\s*(?:and\s+)?(?:\(?(?:\d|[ivx]{1,3})\)\s*)?"
                     r"(?:designing|developing|introducing|proposing|creating|building|"
                     r"constructing|releasing|presenting|curating)\b", re.IGNORECASE)
#: what a paper presents is a family of works: "a collection of 13 Russian LMs"
_FAMILY = re.compile(r"\s+(?:a|an|the)\s+(?:[\w-]+\s+)?(?:family|suite|collection|series)\s+of\b",
                     re.IGNORECASE)
#: "We name such steers LM-Steers", "we call this approach X"
_WE_NAME = re.compile(r"\bwe\s+(?:name|call|term|dub)\s+(?:it|them|this|these|such|our|the)"
                      r"(?:\s+[\w-]+){0,3}?\s+$", re.IGNORECASE)
#: a capitalised compound a proposal names in apposition: "a novel method, Predictive-Decoding,"
_TITLED_COMPOUND = re.compile(r"^[A-Z][a-z]+(?:-[A-Z][a-z]+)+$")
_PROPOSING = re.compile(r"\b(?:we|this (?:paper|work))\b.*\b(?:propos|introduc|present)\w*",
                        re.IGNORECASE)
_CLAUSE_GOES_ON = re.compile(r"\s*(?:,|\bthat\b|\bwhich\b)")
#: a name described right after it: "Tele-Eval, a large-scale question-and-answer dataset"
_APPOSITION = re.compile(r"\s*,\s+(?:a|an)\s")
#: between a proposal verb and a name, what makes the name someone else's
_NOT_OURS_BETWEEN = re.compile(r"\b(?:outperform\w*|beat(?:s|ing)?|compared?|than|versus|"
                               r"against|surpass\w*|such as|e\.g\.|including|like|unlike|"
                               r"beyond|over)\b",
                               re.IGNORECASE)
#: heads of capitalised title phrases that name a task, field or finding, not a method
#: (the resource's heads that are no entity, "translation" or "inference", count too)
_NOT_METHOD_TITLE_HEADS = frozenset({
    "modeling", "modelling", "assessment", "correction", "switching", "law", "representation",
    "matter"})
#: the noun phrase a name is in apposition to: "a cross-room understanding benchmark, XR-Scene"
_APPOSED_TO = re.compile(r"\b(?:a|an|the|our)\s+(?:[\w-]+\s+){0,3}?(?P<head>[A-Za-z]+)\s*,\s*$",
                         re.IGNORECASE)
#: what the object of a proposal is made of: "..., which consists of ..."
_ITS_PARTS = re.compile(r"\b(?:which|that)\s+(?:contains|includes|comprises|consists\s+of)\b")
_CLAUSE_STOP = re.compile(r"[.;:]\s|\bthat\b|\bwhich\b|\bto\s+(?!the\b)")
#: a capitalised word with a capital inside: "AutoCompressors", "WebSearcher"; not
#: "GEMM", "pH", "mRNA"
_CAMEL = re.compile(r"^[A-Z][a-z]+[A-Z]")
_OUR_BEFORE = re.compile(r"\bour\s+$", re.IGNORECASE)
#: what a sentence says when it gives the paper's own code, model or data
_RELEASING = re.compile(r"\b(?:code|codes|data|weights|checkpoints|available|release[sd]?|"
                        r"open-?sourced?|repository|implementation|project page)\b",
                        re.IGNORECASE)
#: where code, models and data are released: the repository's name is the last part
_RELEASE_URL = re.compile(r"\b(?:github\.com|gitlab\.com|huggingface\.co(?:/datasets|/spaces)?)"
                          r"/[\w.-]+/(?P<repo>[\w-]+(?:\.[\w-]+)*)")


@lru_cache(maxsize=4096)
def _word(word: str) -> re.Pattern[str]:
    """``word`` between word boundaries."""
    return re.compile(rf"\b{re.escape(word)}\b")


def _clause_end(text: str, start: int) -> int:
    """End of the clause that follows a proposal verb (sentence end or 160 characters)."""
    found = _CLAUSE_STOP.search(text, start, start + 160)
    return found.start() if found else min(len(text), start + 160)


@Language.factory("paperkg_discovery", default_config={"resource_dirs": []})
def make_discovery(nlp: Language, name: str, resource_dirs: Sequence[str]) -> Discovery:
    """spaCy factory of :class:`Discovery`."""
    return Discovery(load_resources(resource_dirs))
