"""Draw the hand-checked sample of weak sentence labels (corpus/weak/checked_sample.tsv).

Run from the repository root:

    .venv/bin/python corpus/weak/sample_weak_labels.py [--cache /tmp/wk/units.jsonl]
        [--blind out.tsv] [--out sample.tsv]

Source: the cache of weakly labelled units, one JSON object a line with ``doc_id, start, end,
text, label (null = abstained), votes, tokens``. If the cache is absent, produce it with
(in .venv/bin/python, from the repository root)::

    import json, dataclasses
    from pathlib import Path
    import pipeline
    from pipeline.train.weak import weak_label_reports
    nlp = pipeline.load(exclude=["policy_sentence_classifier"])
    units = weak_label_reports(nlp, sorted(Path("corpus/reports").glob("*.jsonl")))
    with open("/tmp/wk/units.jsonl", "w", encoding="utf-8") as f:
        for u in units:
            f.write(json.dumps(dataclasses.asdict(u), ensure_ascii=False) + "\n")

Sample: only units with a non-null weak label; strata = weak label; 40 units each of
achievement, plan, problem, other, and every unit labelled responsibility. Units are sorted by
(doc_id, start) before drawing so the draw depends only on the cache content; the generator is
``random.Random(SEED)`` with SEED = 0 and one ``rng.sample`` per stratum in the order of
STRATA. The output rows are in (stratum, doc_id, start) order.

``--blind`` writes the same units without the weak label, shuffled (same seed), for checking
by hand without seeing the weak label; ``--out`` writes doc_id, start, end, weak_label, text.

``--score corpus/weak/checked_sample.tsv`` prints the precision per weak label (with a 95 %
Wilson interval), the confusion of weak against checked labels, and the overall precision
weighted by the weak-label counts of the cache (stratified estimate with its standard error).
It needs the cache only for the weights.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from pathlib import Path

SEED = 0
PER_LABEL = 40
STRATA = ["achievement", "plan", "problem", "other", "responsibility"]
TAKE_ALL = {"responsibility"}


def load_units(cache: Path) -> list[dict]:
    with cache.open(encoding="utf-8") as f:
        units = [json.loads(line) for line in f if line.strip()]
    return sorted((u for u in units if u["label"] is not None), key=lambda u: (u["doc_id"], u["start"]))


def draw(units: list[dict], seed: int = SEED, per_label: int = PER_LABEL) -> list[dict]:
    rng = random.Random(seed)
    sample: list[dict] = []
    for label in STRATA:
        pool = [u for u in units if u["label"] == label]
        if label in TAKE_ALL or len(pool) <= per_label:
            chosen = pool
        else:
            chosen = rng.sample(pool, per_label)
        sample.extend(sorted(chosen, key=lambda u: (u["doc_id"], u["start"])))
    return sample


def clean(text: str) -> str:
    return " ".join(text.split())


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * ((p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5) / d
    return (max(0.0, c - h), min(1.0, c + h))


def score(checked: Path, units: list[dict]) -> None:
    from collections import Counter

    with checked.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    weights = Counter(u["label"] for u in units)
    total = sum(weights[label] for label in STRATA)
    print("| weak label | correct / sampled | precision | 95% Wilson | weak-labelled units |")
    print("|---|---|---|---|---|")
    est, var = 0.0, 0.0
    for label in STRATA:
        got = [r for r in rows if r["weak_label"] == label]
        k, n = sum(r["checked_label"] == label for r in got), len(got)
        p = k / n if n else 0.0
        lo, hi = wilson(k, n)
        w = weights[label] / total
        est += w * p
        if n > 1 and label not in TAKE_ALL:
            var += w * w * p * (1 - p) / (n - 1) * (1 - n / weights[label])
        print(f"| {label} | {k} / {n} | {p:.3f} | {lo:.2f}–{hi:.2f} | {weights[label]} |")
    print(f"\nweighted overall precision: {est:.3f} (s.e. {var**0.5:.3f}) over {total} units")
    print("\nconfusion (rows weak, columns checked):")
    print("| weak \\ checked | " + " | ".join(STRATA) + " |")
    print("|---" * (len(STRATA) + 1) + "|")
    for label in STRATA:
        c = Counter(r["checked_label"] for r in rows if r["weak_label"] == label)
        print(f"| {label} | " + " | ".join(str(c[x]) for x in STRATA) + " |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=Path("/tmp/wk/units.jsonl"))
    ap.add_argument("--out", type=Path, default=None, help="sample with weak labels (TSV)")
    ap.add_argument("--blind", type=Path, default=None, help="shuffled sample without weak labels")
    ap.add_argument("--score", type=Path, default=None, help="checked sample TSV to score")
    args = ap.parse_args(argv)
    if not args.cache.exists():
        print(f"{args.cache} not found; see the docstring for how to produce it", file=sys.stderr)
        return 1
    units = load_units(args.cache)
    if args.score:
        score(args.score, units)
        return 0
    sample = draw(units)
    counts = {label: sum(u["label"] == label for u in sample) for label in STRATA}
    print(f"{len(units)} labelled units; sample {len(sample)}: {counts}", file=sys.stderr)
    out = args.out.open("w", encoding="utf-8", newline="") if args.out else sys.stdout
    w = csv.writer(out, delimiter="\t", lineterminator="\n")
    w.writerow(["doc_id", "start", "end", "weak_label", "text"])
    for u in sample:
        w.writerow([u["doc_id"], u["start"], u["end"], u["label"], clean(u["text"])])
    if args.blind:
        blind = sample[:]
        random.Random(SEED).shuffle(blind)
        with args.blind.open("w", encoding="utf-8", newline="") as f:
            bw = csv.writer(f, delimiter="\t", lineterminator="\n")
            bw.writerow(["doc_id", "start", "end", "text"])
            for u in blind:
                bw.writerow([u["doc_id"], u["start"], u["end"], clean(u["text"])])
    return 0


if __name__ == "__main__":
    sys.exit(main())
