"""One evaluation run: gold in, a metrics dictionary out (written by ``report``)."""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from pathlib import Path
from typing import Any

import spacy
from spacy.training import Example

from ..gold import GoldDoc, load_gold, to_examples
from ..labels import ENTITY_LABELS, SENTENCE_LABELS, UNITS_KEY
from ..units import unit_tokens
from .baselines import constant_labeller, jieba_examples, majority_label, relabelled, section_only_examples
from .scorer import PolicyScorer, score_entities, score_units
from .segmentation import DEFAULT_SEG_LINES, evaluate_segmentation


def group(scores: dict[str, Any], prefix: str) -> dict[str, Any]:
    """``{"units_acc": …}`` → ``{"acc": …}`` for the keys with that prefix."""
    return {key[len(prefix):]: value for key, value in scores.items() if key.startswith(prefix)}


def predict(nlp, examples: list[Example]) -> list[Example]:
    """What ``nlp.evaluate`` does before scoring, keeping the predicted docs for the baselines."""
    docs = nlp.pipe(eg.predicted for eg in examples)
    return [Example(doc, eg.reference) for doc, eg in zip(docs, examples, strict=True)]


def relabel(tagger, examples: list[Example]) -> None:
    """Re-run the sentence tagger alone on docs that already went through the pipeline."""
    for eg in examples:
        tagger(eg.predicted)


def sentence_variants(nlp, examples: list[Example]) -> dict[str, Any]:
    """The tagger's label with the rules alone and with the classifier alone, on docs that already
    went through the pipeline: only the last step is re-run, so this costs almost nothing."""
    if "policy_sentence_classifier" not in nlp.pipe_names:
        return {}
    tagger = nlp.get_pipe("policy_sentence_rules")
    saved, variants = tagger.combination, {}
    try:
        for combination in ("rules", "classifier"):
            tagger.combination = combination
            relabel(tagger, examples)
            variants[combination] = group(score_units(examples), "units_")
    finally:
        tagger.combination = saved
        relabel(tagger, examples)
    return variants


TEXTCAT_DIR = Path(__file__).resolve().parents[2] / "models" / "textcat"


def textcat_variant(nlp, examples: list[Example], path: Path = TEXTCAT_DIR) -> dict[str, Any]:
    """The spaCy textcat alternative (``pipeline/train/textcat.py``) labelling each unit alone,
    when its artefact is there; the tagger's own labels are restored afterwards."""
    if not (path / "config.cfg").exists() or "policy_sentence_rules" not in nlp.pipe_names:
        return {}
    from ..train.textcat import TextcatClassifier

    textcat = TextcatClassifier.from_disk(path)
    for eg in examples:
        units = list(eg.predicted.spans.get(UNITS_KEY, []))
        if units:
            labels = textcat.predict([unit_tokens(span) for span in units])
            for span, label in zip(units, labels, strict=True):
                span._.label = str(label)
    scores = group(score_units(examples), "units_")
    relabel(nlp.get_pipe("policy_sentence_rules"), examples)
    return scores


def entity_variants(nlp, examples: list[Example]) -> dict[str, Any]:
    """Entities of the rules alone and of the trained ner alone, next to the pipeline's merge."""
    if "ner" not in nlp.pipe_names or "policy_entity_rules" not in nlp.pipe_names:
        return {}
    structure = nlp.get_pipe("policy_structure") if "policy_structure" in nlp.pipe_names else (lambda doc: doc)
    ner, rules = nlp.get_pipe("ner"), nlp.get_pipe("policy_entity_rules")
    out = {}
    for name in ("rules", "model"):
        scored = []
        for eg in examples:
            doc = structure(nlp.make_doc(eg.predicted.text))
            if name == "rules":
                doc.ents = rules.find(doc)
            else:
                doc = ner.ungated(doc) if hasattr(ner, "ungated") else ner(doc)
            scored.append(Example(doc, eg.reference))
        out[name] = group(score_entities(scored), "ents_")
    return out


class _Clock:
    def __init__(self, started: float | None = None) -> None:
        self.started = self.last = time.perf_counter() if started is None else started
        self.stages: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.stages[name] = round(now - self.last, 3)
        self.last = now

    @property
    def total(self) -> float:
        return round(time.perf_counter() - self.started, 3)


def run_evaluation(
    gold_dir: str | Path,
    *,
    docs: list[GoldDoc] | None = None,
    raw_dir: str | Path | None = None,
    model: str | Path | None = None,
    nlp=None,
    seg_dir: str | Path | None = None,
    seg_lines: int | None = DEFAULT_SEG_LINES,
    started: float | None = None,
) -> dict[str, Any]:
    """Score the pipeline (``nlp``, else ``pipeline.load(model)``) on the gold of ``gold_dir``
    (``docs``, else ``load_gold(gold_dir, raw_dir)``). ``started``, a ``time.perf_counter()``
    value, makes the timings count from there (a caller that loaded ``docs`` and ``nlp``)."""
    clock = _Clock(started)
    if docs is None:
        docs = load_gold(gold_dir, raw_dir)
    if nlp is None:
        from ..language import load

        nlp = load(model)
    clock.lap("load")
    scorer = PolicyScorer(nlp)
    examples = predict(nlp, to_examples(nlp, docs))
    clock.lap("pipeline")
    document = scorer.score(examples)
    context_free_examples = predict(nlp, to_examples(nlp, docs, context_free=True))
    context_free = scorer.score(context_free_examples)
    clock.lap("context_free")
    variants = {
        "document": sentence_variants(nlp, examples),
        "context_free": sentence_variants(nlp, context_free_examples),
    }
    textcat = textcat_variant(nlp, context_free_examples)
    if textcat:
        variants["context_free"]["textcat"] = textcat
    entity_alone = entity_variants(nlp, examples)
    clock.lap("variants")
    majority = majority_label(examples)
    baselines = {
        "majority": score_units(relabelled(examples, constant_labeller(majority))),
        "section_only": score_units(section_only_examples(nlp, examples)),
    }
    jieba = score_entities(jieba_examples(examples))
    clock.lap("baselines")
    segmentation = evaluate_segmentation(nlp, gold_dir, seg_dir, seg_lines)
    clock.lap("segmentation")
    units = [u for doc in docs for u in doc.units]
    label_counts = Counter(u.label for u in units)
    entity_counts = Counter(e.label for u in units for e in u.entities)
    return {
        "meta": {
            "gold_dir": str(gold_dir),
            "gold_files": {d.source: hashlib.sha256(Path(d.source).read_bytes()).hexdigest() for d in docs if d.source},
            "model": str(model) if model else "pipeline.load() (default)",
            "pipeline": nlp.pipe_names,
            "spacy": spacy.__version__,
            "documents": len(docs),
            "units": len(units),
            "entities": sum(entity_counts.values()),
            "gold_labels": {label: label_counts[label] for label in SENTENCE_LABELS},
            "gold_entity_labels": {label: entity_counts[label] for label in ENTITY_LABELS},
            "majority_label": majority,
            "seg_dir": str(seg_dir) if seg_dir else None,
            "seg_lines": seg_lines or None,
            "chars_per_second": round(sum(len(d.text) for d in docs) / max(clock.stages["pipeline"], 1e-3), 1),
            "stages": clock.stages,
            "seconds": clock.total,
        },
        "sentences": {
            "document": group(document, "units_"),
            "context_free": group(context_free, "units_"),
            "baselines": {name: group(scores, "units_") for name, scores in baselines.items()},
            "variants": {mode: scores for mode, scores in variants.items() if scores},
        },
        "entities": {
            "pipeline": group(document, "ents_"),
            "context_free": group(context_free, "ents_"),
            "baselines": {"jieba_posseg": group(jieba, "ents_")},
            "variants": entity_alone,
        },
        "segmentation": segmentation,
    }
