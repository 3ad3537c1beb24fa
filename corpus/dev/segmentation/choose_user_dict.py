"""Measurements behind the choice of pipeline/data/user_dict.txt (see README.md here).

    .venv/bin/python corpus/dev/segmentation/choose_user_dict.py --full FULL.txt \
        --dict words=WORDS.txt --dict chosen=pipeline/data/user_dict.txt [--speed-chars 200000] \
        [--per-entry] [--seed]

Settings, each on the dev set (corpus/dev/segmentation/*.seg.txt): pkuseg "mixed" alone; with a
dictionary given as a file (spacy_pkuseg's Preprocesser: forced maximum matching before the CRF);
with the same words as a post-merge only (added to the Postprocesser's merge list: consecutive CRF
words whose concatenation is an entry are merged; the CRF's own boundaries are kept otherwise).
``--per-entry`` adds each entry of FULL alone to pkuseg (forced) and removes each entry of the
first ``--dict`` from it, on the dev set. ``--seed`` also scores the seed report's gold (a test set: run it
once, after the choice). Speed: chars/s of ``cut`` over the first N characters of
corpus/reports/*.jsonl, settings interleaved, best of ``--rounds`` rounds (default 3).
"""

from __future__ import annotations

import argparse
import copy
import json
import time
from pathlib import Path

import spacy_pkuseg

from pipeline.evaluation.segmentation import read_segmented, score_segmenter
from pipeline.models import resolve_pkuseg_dir
from pipeline.tokenizer import MAX_SEGMENT_CHARS, split_punct
from pipeline.units import iter_chunks, iter_units

ROOT = Path(__file__).resolve().parents[3]
DEV = ROOT / "corpus/dev/segmentation"
SEED = ROOT / "corpus/gold/segmentation"
REPORTS = sorted((ROOT / "corpus/reports").glob("*.jsonl"))


def words_of(path: str | Path) -> list[str]:
    return [w.strip() for w in Path(path).read_text(encoding="utf-8").splitlines() if w.strip()]


def make(base, words: list[str] | None, mode: str):
    seg = copy.copy(base)
    seg.preprocesser = spacy_pkuseg.Preprocesser(None)
    seg.postprocesser = copy.copy(base.postprocesser)
    if words and mode == "file":
        seg.preprocesser = spacy_pkuseg.Preprocesser(words)
    elif words and mode == "merge":
        seg.postprocesser.common_words = set(base.postprocesser.common_words) | set(words)
        seg.postprocesser.do_process = True
    return seg


def as_pipeline(seg):
    """The pipeline tokenizer's cutting (units, chunks, punctuation split) around ``seg``."""
    def cut(text: str) -> list[str]:
        words: list[str] = []
        for start, end in iter_units(text):
            for a, b in iter_chunks(text, start, end, MAX_SEGMENT_CHARS):
                words.extend(seg.cut(text[a:b]))
        return split_punct(words)
    return cut


def corpus(folder: Path) -> list[list[str]]:
    return [s for f in sorted(folder.glob("*.seg.txt")) for s in read_segmented(f)]


def speed_text(limit: int) -> list[str]:
    lines: list[str] = []
    total = 0
    for path in REPORTS:
        for raw in path.open(encoding="utf-8"):
            for line in json.loads(raw)["text"].splitlines():
                if line.strip() and total < limit:
                    lines.append(line.strip())
                    total += len(line.strip())
    return lines


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--full", required=True)
    ap.add_argument("--dict", action="append", default=[], metavar="NAME=PATH", help="a pruned dictionary")
    ap.add_argument("--speed-chars", type=int, default=200_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--per-entry", action="store_true")
    ap.add_argument("--seed", action="store_true")
    args = ap.parse_args()
    base = spacy_pkuseg.pkuseg(str(resolve_pkuseg_dir(None)))
    full = words_of(args.full)
    dicts = {name: words_of(path) for name, path in (d.split("=", 1) for d in args.dict)}
    settings = {
        "pkuseg": make(base, None, "file"),
        "+full dict, file (forced)": make(base, full, "file"),
        "+full dict, post-merge": make(base, full, "merge"),
    }
    for name, words in dicts.items():
        settings[f"+{name} dict, file (forced)"] = make(base, words, "file")
        settings[f"+{name} dict, post-merge"] = make(base, words, "merge")
    sets = {"dev": corpus(DEV)} | ({"seed (test)": corpus(SEED)} if args.seed else {})
    out: dict = {"sets": {k: {"sentences": len(v), "words": sum(map(len, v))} for k, v in sets.items()},
                 "scores": {}}
    for name, seg in settings.items():
        for variant, cut in (("cut", seg.cut), ("pipeline", as_pipeline(seg))):
            for set_name, sents in sets.items():
                s = score_segmenter(cut, sents)
                out["scores"][f"{name} | {variant} | {set_name}"] = {k: round(s[k], 4) for k in ("p", "r", "f")}
    if args.per_entry:
        dev = sets["dev"]
        f0 = score_segmenter(settings["pkuseg"].cut, dev)["f"]
        first, pruned = next(iter(dicts.items()))
        fp = score_segmenter(settings[f"+{first} dict, file (forced)"].cut, dev)["f"]
        joined = ["".join(s) for s in dev]
        out["add_to_pkuseg"] = {w: {"dev_occurrences": sum(t.count(w) for t in joined),
                                    "delta_f": round(score_segmenter(make(base, [w], "file").cut, dev)["f"] - f0, 4)}
                                for w in full}
        out[f"remove_from_{first}"] = {w: round(score_segmenter(make(base, [x for x in pruned if x != w], "file").cut,
                                                              dev)["f"] - fp, 4) for w in pruned}
    if args.speed_chars:
        lines = speed_text(args.speed_chars)
        chars = sum(map(len, lines))
        best = {name: float("inf") for name in settings}
        times: dict[str, list[float]] = {name: [] for name in settings}
        for _ in range(args.rounds):
            for name, seg in settings.items():
                t = time.perf_counter()
                for line in lines:
                    seg.cut(line)
                times[name].append(time.perf_counter() - t)
                best[name] = min(best[name], times[name][-1])
        out["speed"] = {"chars": chars, "chars_per_s": {n: round(chars / t) for n, t in best.items()},
                        "ratio": {n: round(best["pkuseg"] / t, 3) for n, t in best.items()},
                        "seconds": {n: [round(x, 2) for x in ts] for n, ts in times.items()}}
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
