"""Scoring spaCy ``Example`` objects: sentence units and entities.

``nlp.evaluate(examples, scorer=PolicyScorer(nlp))`` with examples from ``pipeline.gold`` returns
spaCy-style flat keys (``units_acc``, ``units_macro_f``, ``units_per_label``, ``ents_p``,
``ents_per_type``, …) plus the confusion matrix and the error lists that the report prints.

Units: every gold unit is paired with the predicted unit that shares most characters with it
(``alignment.align_units``), and its predicted label is that unit's label, so a pipeline whose
sentence boundaries differ from the gold is still scored on every gold unit. Boundaries are
scored apart: ``units_boundary_*`` compares the sets of unit end offsets, ``units_exact_*`` the
units themselves (spaCy's ``Scorer.score_spans``, unlabelled).

Entities: ``ents_*`` is spaCy's exact span match (``Scorer.score_spans``); ``ents_overlap_*``
counts a predicted entity as right when it shares a character with a gold entity of the same type
(one-to-one, ``alignment.match_overlapping``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from spacy.language import Language
from spacy.scorer import PRFScore, Scorer
from spacy.tokens import Doc, Span
from spacy.training import Example

from ..errors import Errors
from ..labels import ENTITY_LABELS, SENTENCE_LABELS, UNITS_KEY
from .alignment import align_units, match_overlapping
from .metrics import classification_scores, prf_dict

CONTEXT_CHARS = 12


def extension(span: Span, name: str) -> Any:
    return span._.get(name) if Span.has_extension(name) else None


def unit_label(span: Span) -> str | None:
    """A predicted unit's label (``span._.label``), or a gold unit's (``span.label_``)."""
    return extension(span, "label") or span.label_ or None


def units_of(doc: Doc, attr: str = UNITS_KEY) -> list[Span]:
    """The units of a doc: ``doc.spans["units"]``, else its sentences, else none."""
    if attr in doc.spans:
        return list(doc.spans[attr])
    if doc.has_annotation("SENT_START"):
        return list(doc.sents)
    return []


def _origin(example: Example) -> tuple[str, int]:
    data = example.reference.user_data
    return data.get("doc_id", ""), data.get("offset", 0)


def score_units(examples: Iterable[Example]) -> dict[str, Any]:
    examples = list(examples)
    gold_labels: list[str] = []
    pred_labels: list[str | None] = []
    errors: list[dict[str, Any]] = []
    boundary = PRFScore()
    labelled = False
    for eg in examples:
        gold, pred = units_of(eg.reference), units_of(eg.predicted)
        labelled = labelled or any(unit_label(span) for span in pred)
        doc_id, offset = _origin(eg)
        index = align_units([(s.start_char, s.end_char) for s in gold], [(s.start_char, s.end_char) for s in pred])
        for g, j in zip(gold, index, strict=True):
            p = pred[j] if j is not None else None
            label = unit_label(p) if p is not None else None
            gold_labels.append(g.label_)
            pred_labels.append(label)
            if label != g.label_:
                errors.append(
                    {
                        "doc_id": doc_id,
                        "start": offset + g.start_char,
                        "end": offset + g.end_char,
                        "text": g.text,
                        "gold": g.label_,
                        "pred": label,
                        "score": extension(p, "score") if p is not None else None,
                        "section": (extension(p, "section") or "") if p is not None else "",
                        "pred_text": p.text if p is not None and p.text != g.text else None,
                    }
                )
        boundary.score_set({s.end_char for s in pred}, {s.end_char for s in gold})
    if gold_labels and not labelled:
        raise ValueError(Errors.E023.format(reason="no predicted unit has span._.label or a span label"))
    scores = classification_scores(gold_labels, pred_labels, SENTENCE_LABELS)
    exact = Scorer.score_spans(examples, UNITS_KEY, getter=units_of, labeled=False)
    return {
        "units_n": scores["n"],
        "units_acc": scores["accuracy"],
        "units_macro_f": scores["macro_f"],
        "units_per_label": scores["per_label"],
        "units_confusion": scores["confusion"],
        **{f"units_boundary_{k}": v for k, v in prf_dict(boundary).items()},
        **{f"units_exact_{k}": exact[f"{UNITS_KEY}_{k}"] or 0.0 for k in "prf"},
        "units_errors": errors,
    }


def _entity(span: Span, offset: int) -> dict[str, Any]:
    text = span.doc.text
    return {
        "start": offset + span.start_char,
        "end": offset + span.end_char,
        "label": span.label_,
        "text": span.text,
        "context": text[max(0, span.start_char - CONTEXT_CHARS) : span.end_char + CONTEXT_CHARS].replace("\n", " "),
    }


def _overlapping(span: Span, others: Iterable[Span]) -> list[str]:
    return [f"{o.label_} {o.text}" for o in others if o.start_char < span.end_char and span.start_char < o.end_char]


def score_entities(examples: Iterable[Example]) -> dict[str, Any]:
    examples = list(examples)
    exact = Scorer.score_spans(examples, "ents")
    overlap: dict[str, PRFScore] = {label: PRFScore() for label in ENTITY_LABELS}
    support: dict[str, int] = dict.fromkeys(ENTITY_LABELS, 0)
    misses: list[dict[str, Any]] = []
    false_alarms: list[dict[str, Any]] = []
    for eg in examples:
        doc_id, offset = _origin(eg)
        gold, pred = list(eg.reference.ents), list(eg.predicted.ents)
        for label in {e.label_ for e in gold + pred}:
            g = [(e.start_char, e.end_char) for e in gold if e.label_ == label]
            p = [(e.start_char, e.end_char) for e in pred if e.label_ == label]
            matched = len(match_overlapping(g, p))
            score = overlap.setdefault(label, PRFScore())
            score.tp += matched
            score.fp += len(p) - matched
            score.fn += len(g) - matched
            support[label] = support.get(label, 0) + len(g)
        gold_keys = {(e.start_char, e.end_char, e.label_) for e in gold}
        pred_keys = {(e.start_char, e.end_char, e.label_) for e in pred}
        for e in gold:
            if (e.start_char, e.end_char, e.label_) not in pred_keys:
                misses.append({"doc_id": doc_id, **_entity(e, offset), "pred": _overlapping(e, pred)})
        for e in pred:
            if (e.start_char, e.end_char, e.label_) not in gold_keys:
                false_alarms.append({"doc_id": doc_id, **_entity(e, offset), "gold": _overlapping(e, gold)})
    total = PRFScore()
    for score in overlap.values():
        total += score
    per_type = {label: {"p": 0.0, "r": 0.0, "f": 0.0} for label in overlap}
    per_type.update(exact.get("ents_per_type") or {})
    return {
        **{f"ents_{k}": exact[f"ents_{k}"] or 0.0 for k in "prf"},
        "ents_per_type": per_type,
        **{f"ents_overlap_{k}": v for k, v in prf_dict(total).items()},
        "ents_overlap_per_type": {label: prf_dict(score) for label, score in overlap.items()},
        "ents_support": support,
        "ents_misses": misses,
        "ents_false_alarms": false_alarms,
    }


class PolicyScorer(Scorer):
    """A spaCy ``Scorer`` for the policy pipeline: ``nlp.evaluate(examples, scorer=PolicyScorer(nlp))``."""

    def __init__(self, nlp: Language, **cfg):
        super().__init__(nlp=nlp, **cfg)

    def score(self, examples: Iterable[Example], *, per_component: bool = False) -> dict[str, Any]:
        examples = list(examples)
        return {**score_units(examples), **score_entities(examples)}
