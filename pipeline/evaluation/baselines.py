"""Reference systems, scored exactly like the pipeline.

- majority: every unit gets the most frequent gold label (there is no training split, so the
  majority is taken from the gold being scored; an upper bound for this baseline).
- section_only: the rule tagger's heading context alone. The pipeline's structure component
  finds the units and headings of a fresh doc (so nothing a model wrote reaches the tagger), then
  its rule tagger (``SentenceRules``) runs with its cue lexicons, quantity bonus and paragraph
  carry removed: a unit takes the section label of the heading above it, a heading its own
  section label, page chrome ``other``, and a unit under no labelled heading ``other``.
- jieba_posseg (entities): jieba's part-of-speech tags: ``nt`` → ORG, numerals ``m`` followed by
  a measure word ``q`` → QUANTITY, text inside 《》 → LAW; overlaps resolved with the guideline's
  precedence, as the entity rules do.

Each gives new ``Example`` objects (copies of the predicted docs relabelled, or new docs) with
the same references, so ``scorer.score_units`` / ``score_entities`` measure them the same way.
"""

from __future__ import annotations

import copy
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable
from functools import cache

from spacy import util
from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Example

from ..components.entities import _resolve as resolve_overlaps
from ..components.sentence_rules import SentenceRules
from ..components.structure import PolicyStructure
from ..labels import LAW, ORG, OTHER, QUANTITY, SENTENCE_LABELS
from .scorer import units_of

# With every cue removed, a unit with no section context scores 0 for every label; this bias
# (far below the context weights) makes it ``other`` instead of the first label in the list.
NO_SECTION_BIAS = 1e-3
JIEBA_ORG, JIEBA_NUMERAL, JIEBA_MEASURE = "nt", "m", "q"
TITLE = re.compile(r"《([^《》\n]+)》")

Labeller = Callable[[Doc], object]


def relabelled(examples: Iterable[Example], labeller: Labeller) -> list[Example]:
    """Examples whose predicted doc is a copy of the original with units relabelled."""
    out = []
    for eg in examples:
        doc = eg.predicted.copy()
        labeller(doc)
        out.append(Example(doc, eg.reference))
    return out


def majority_label(examples: Iterable[Example]) -> str:
    counts = Counter(span.label_ for eg in examples for span in units_of(eg.reference))
    return max(SENTENCE_LABELS, key=lambda label: (counts[label], -SENTENCE_LABELS.index(label)))


def constant_labeller(label: str) -> Labeller:
    def run(doc: Doc) -> None:
        for span in units_of(doc):
            span._.label = label

    return run


def _pipe(nlp: Language, kind: type):
    return next((pipe for _, pipe in nlp.pipeline if isinstance(pipe, kind)), None)


def section_only_tagger(nlp: Language) -> SentenceRules:
    """A copy of the pipeline's rule tagger (or the default one) that sees only headings."""
    source = _pipe(nlp, SentenceRules)
    if source is None:
        source = SentenceRules("policy_sentence_rules", cues="cues.json", headings="headings.json")
    cues = copy.deepcopy(source.data["cues"])
    cues["cues"] = {}
    cues["bias"] = {OTHER: NO_SECTION_BIAS}
    cues["quantity_bonus"]["weight"] = 0.0
    cues["paragraph_carry"]["weight"] = 0.0
    if "retrospective_carry" in cues:
        cues["retrospective_carry"]["weight"] = 0.0
    cues["combination"] = "rules"  # the classifier's scores on the units are not headings
    tagger = copy.copy(source)
    tagger.name = "section_only"
    tagger.data = {**source.data, "cues": cues}
    tagger._build()
    return tagger


def section_only_examples(nlp: Language, examples: Iterable[Example]) -> list[Example]:
    """Examples whose predicted doc has the pipeline's units labelled by headings alone."""
    structure = _pipe(nlp, PolicyStructure) or PolicyStructure("policy_structure", headings="headings.json",
                                                               chrome="chrome.json")
    tagger = section_only_tagger(nlp)
    return [Example(tagger(structure(nlp.make_doc(eg.reference.text))), eg.reference) for eg in examples]


@cache
def jieba_module():
    """jieba, imported on first use, without its start-up chatter on stderr."""
    import jieba
    import jieba.posseg  # noqa: F401

    jieba.setLogLevel(logging.WARNING)
    return jieba


def jieba_entity_doc(vocab, text: str) -> Doc:
    """A doc of ``text`` tokenised by jieba, with entities from its part-of-speech tags."""
    posseg = jieba_module().posseg
    words: list[tuple[int, int, str]] = []
    pos = 0
    for pair in posseg.cut(text):
        start = text.find(pair.word, pos)
        pos = start + len(pair.word)
        if not pair.word.isspace():
            words.append((start, pos, pair.flag))
    surface, spaces = util.get_words_and_spaces([text[a:b] for a, b, _ in words], text)
    doc = Doc(vocab, words=surface, spaces=spaces)
    found: list[tuple[int, int, str]] = []
    i = 0
    while i < len(words):
        start, end, flag = words[i]
        if flag == JIEBA_ORG:
            found.append((start, end, ORG))
        elif flag == JIEBA_NUMERAL:
            k = i
            while k + 1 < len(words) and words[k + 1][2] == JIEBA_NUMERAL:
                k += 1
            if k + 1 < len(words) and words[k + 1][2] == JIEBA_MEASURE:
                found.append((start, words[k + 1][1], QUANTITY))
                i = k + 2
                continue
        i += 1
    found += [(m.start(1), m.end(1), LAW) for m in TITLE.finditer(text)]
    spans = [doc.char_span(a, b, label=label, alignment_mode="expand") for a, b, label in found]
    doc.ents = resolve_overlaps([s for s in spans if s is not None and len(s)])
    return doc


def jieba_examples(examples: Iterable[Example]) -> list[Example]:
    return [Example(jieba_entity_doc(eg.reference.vocab, eg.reference.text), eg.reference) for eg in examples]
