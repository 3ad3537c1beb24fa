"""Label-pair metrics: per-label precision/recall/F1 (spaCy's PRFScore), macro-F1, accuracy and
the confusion matrix (scikit-learn)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from spacy.scorer import PRFScore

# The predicted label of a gold unit no predicted unit touches.
NO_LABEL = "(none)"


def prf_dict(score: PRFScore) -> dict[str, float]:
    return {"p": score.precision, "r": score.recall, "f": score.fscore}


def classification_scores(gold: Sequence[str], pred: Sequence[str | None], labels: Sequence[str]) -> dict[str, Any]:
    """Scores of paired labels. ``labels`` fixes the order of the table and the matrix.

    Macro-F1 averages the labels that occur in the gold or the predictions; a label absent from
    both says nothing about the classifier and is left out (its F1 would be a meaningless 0).
    """
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold labels but {len(pred)} predicted")
    pred = [NO_LABEL if label is None else label for label in pred]
    per_label: dict[str, dict[str, float]] = {}
    seen = set(gold) | set(pred)
    for label in labels:
        score = PRFScore()
        score.score_set(
            {i for i, p in enumerate(pred) if p == label}, {i for i, g in enumerate(gold) if g == label}
        )
        per_label[label] = {**prf_dict(score), "support": sum(1 for g in gold if g == label)}
    averaged = [per_label[label]["f"] for label in labels if label in seen]
    return {
        "n": len(gold),
        "accuracy": sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold) if gold else 0.0,
        "macro_f": sum(averaged) / len(averaged) if averaged else 0.0,
        "per_label": per_label,
        "confusion": confusion(gold, pred, labels),
    }


def confusion(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    """Rows are gold labels, columns predicted; a ``(none)`` column only when it occurs."""
    from sklearn.metrics import confusion_matrix

    columns = list(labels) + ([NO_LABEL] if NO_LABEL in pred else [])
    if not gold:
        return {"labels": list(labels), "columns": columns, "matrix": [[0] * len(columns) for _ in labels]}
    matrix = confusion_matrix(gold, pred, labels=columns)
    return {"labels": list(labels), "columns": columns, "matrix": matrix[: len(labels)].tolist()}
