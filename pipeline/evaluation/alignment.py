"""Pairing gold and predicted spans by character overlap (pure functions on offsets)."""

from __future__ import annotations

from collections.abc import Sequence

Offsets = tuple[int, int]


def overlap(a: Offsets, b: Offsets) -> int:
    """Number of characters two half-open spans share."""
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def align_units(gold: Sequence[Offsets], pred: Sequence[Offsets]) -> list[int | None]:
    """For each gold span, the index of the predicted span sharing most characters with it
    (the first one on a tie), or None when no predicted span touches it.

    Both lists are in text order without overlaps within a list, as units are; one sweep.
    """
    out: list[int | None] = []
    j = 0
    for g in gold:
        while j < len(pred) and pred[j][1] <= g[0]:
            j += 1
        best, best_overlap = None, 0
        k = j
        while k < len(pred) and pred[k][0] < g[1]:
            shared = overlap(g, pred[k])
            if shared > best_overlap:
                best, best_overlap = k, shared
            k += 1
        out.append(best)
    return out


def match_overlapping(gold: Sequence[Offsets], pred: Sequence[Offsets]) -> list[tuple[int, int]]:
    """One-to-one pairs (gold index, predicted index) of overlapping spans, largest overlap
    first (then text order), so that each span is matched at most once."""
    candidates = sorted(
        ((overlap(g, p), -i, -j) for i, g in enumerate(gold) for j, p in enumerate(pred) if overlap(g, p)),
        reverse=True,
    )
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    pairs = []
    for _, i, j in candidates:
        i, j = -i, -j
        if i in used_gold or j in used_pred:
            continue
        used_gold.add(i)
        used_pred.add(j)
        pairs.append((i, j))
    return sorted(pairs)
