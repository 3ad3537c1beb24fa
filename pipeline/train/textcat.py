"""Training a spaCy ``textcat`` sentence classifier on weakly labelled government work reports.

Data: the weak labels of ``pipeline/train/weak.py`` on the reports in ``corpus/reports/`` (units
the labelling functions abstain on are dropped), one Doc per sentence unit with one-hot
``doc.cats``, built from the unit's pkuseg tokens: ``Doc(vocab, words=...)`` with the tokens
themselves (``features = "tokens"``) or their characters (``"chars"``, the chosen setting; see
``ARCHITECTURE_COMPARISON``). Rare labels are repeated in the training data (``DEFAULT_REPEAT``).
Reports are never split:

- held-out estimate: ``folds`` folds of whole reports; each fold is predicted by a model trained
  on the other reports (a share of which is spaCy's dev set, used only to pick the checkpoint);
- the artefact: trained on all reports but a seeded dev share (checkpoint selection).

Training runs ``spacy train`` (``spacy.cli.train.train``) with ``pipeline/configs/textcat.cfg``
on DocBin files in a temporary folder. The saved artefact is a blank ``zh`` pipeline (character
segmenter, no pkuseg) holding only the textcat, with no training strings in its vocabulary.

``TextcatClassifier`` wraps the artefact with the interface of
``pipeline.sklearn_classifier.SentenceClassifier`` (``classes_``, ``predict_proba`` on token lists).

The gold copy of the seed report (``corpus/gold/``) is a test set: it is read only by
``score_gold_context_free``, after training, and never for a choice.
"""

from __future__ import annotations

import json
import os
import platform
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import spacy
import srsly
from spacy.language import Language
from spacy.tokens import Doc, DocBin
from spacy.util import registry
from spacy.vocab import Vocab

from ..labels import OTHER, PROBLEM, RESPONSIBILITY, SENTENCE_LABELS
from ..units import unit_tokens
from .artefacts import install_artefact

PACKAGE = Path(__file__).resolve().parents[1]
REPO = PACKAGE.parent
REPORTS_DIR = REPO / "corpus" / "reports"
GOLD_FILE = REPO / "corpus" / "gold" / "luzhou-2022.jsonl"
TEXTCAT_CONFIG = PACKAGE / "configs" / "textcat.cfg"
CARD_NAME = "MODEL_CARD.md"
META_KEY = "policy_textcat"
FEATURES = ("tokens", "chars")

# Share of the training reports that is spaCy's dev set (checkpoint selection), per run.
DEV_SHARE = 0.1
# 3 folds + the final run keep the whole training within ~6 minutes on 2 shared cores.
DEFAULT_FOLDS = 3
# Training copies per unit of the rare labels (weak labels are ~60% plan, ~35% achievement).
DEFAULT_REPEAT: dict[str, int] | None = {RESPONSIBILITY: 4, PROBLEM: 4, OTHER: 4}

# How the settings in pipeline/configs/textcat.cfg were chosen: 5 folds of whole reports (seed 0,
# 2000 steps, 25,011 weak units of 76 reports; against weak labels; macro-F1 over the labels
# present, responsibility included at F1 0). Measured once on 2026-11-27; not rerun by training.
ARCHITECTURE_COMPARISON = [
    # (setting, macro-F1, macro-F1 without responsibility, accuracy, F1 problem, F1 other)
    ("BOW, pkuseg tokens, n-grams 1-2, 2^17 rows", 0.590, 0.737, 0.813, 0.602, 0.750),
    ("BOW, characters, n-grams 1-3, 2^17 rows", 0.619, 0.774, 0.815, 0.590, 0.911),
    ("BOW, characters, n-grams 1-3, 2^18 rows", 0.616, 0.770, 0.817, 0.587, 0.894),
    ("BOW, characters, n-grams 1-3, 2^17 rows, rare labels x4 (chosen)", 0.624, 0.781, 0.814,
     0.642, 0.891),
]
# One fold only (fold 0 of the same split), dropped early: pkuseg tokens with n-grams 1-3 (macro-F1
# 0.602 vs 0.609 for 1-2), characters 1-4 (0.628 vs 0.629 for 1-3), 5000 steps (0.603 vs 0.609),
# learn rate 0.005 (0.593), TextCatEnsemble.v2 = BOW + Tok2Vec (hash embed 64, 2 maxout CNN
# layers) over pkuseg tokens (0.599, 115 s vs 29 s a run).


# --------------------------------------------------------------------------- Docs


def unit_words(tokens: Sequence[str], features: str = "tokens") -> list[str]:
    """The words of a unit's Doc: its non-space tokens, or their characters."""
    words = [t for t in tokens if t and not t.isspace()]
    if features == "chars":
        return [c for c in "".join(words) if not c.isspace()]
    if features != "tokens":
        raise ValueError(f"features must be one of {FEATURES}, not {features!r}")
    return words


def unit_doc(vocab: Vocab, tokens: Sequence[str], features: str = "tokens",
             label: str | None = None, labels: Sequence[str] = SENTENCE_LABELS) -> Doc:
    words = unit_words(tokens, features) or [" "]
    doc = Doc(vocab, words=words, spaces=[False] * len(words))
    if label is not None:
        doc.cats = {lab: float(lab == label) for lab in labels}
    return doc


def _write(docs: Iterable[Doc], path: Path) -> None:
    DocBin(docs=docs, attrs=["ORTH"], store_user_data=False).to_disk(path)


def oversample(units: list, repeat: dict | None) -> list:
    """Each unit ``repeat[label]`` times (1 when absent): rare labels weigh more in training."""
    if not repeat:
        return list(units)
    return [u for u in units for _ in range(int(repeat.get(u.label, 1)))]


# --------------------------------------------------------------------------- splits


def report_folds(doc_ids: Iterable[str], folds: int, seed: int) -> list[list[str]]:
    """Whole reports in ``folds`` groups of (nearly) equal report counts, seeded."""
    ids = sorted(set(doc_ids))
    random.Random(f"folds:{seed}").shuffle(ids)
    return [sorted(ids[i::folds]) for i in range(folds)]


def dev_reports(doc_ids: Iterable[str], seed: int, share: float = DEV_SHARE) -> list[str]:
    ids = sorted(set(doc_ids))
    random.Random(f"dev:{seed}").shuffle(ids)
    return sorted(ids[: max(1, round(len(ids) * share))])


# --------------------------------------------------------------------------- the artefact


@registry.callbacks("policy_pipeline.textcat_artefact.v1")
def make_artefact_callback(features: str = "tokens"):
    """``spacy train``'s ``before_to_disk``: save a blank zh pipeline (character segmenter) with
    only the trained textcat. Built from the component's config and weights rather than
    ``add_pipe(source=...)``, which would copy every training word into the vocabulary; the
    model hashes ORTH, so it needs no strings."""
    if features not in FEATURES:
        raise ValueError(f"features must be one of {FEATURES}, not {features!r}")

    def artefact(nlp: Language) -> Language:
        small = spacy.blank(nlp.lang)
        config = {k: v for k, v in nlp.config["components"]["textcat"].items() if k != "factory"}
        small.add_pipe("textcat", config=config)
        small.get_pipe("textcat").from_bytes(nlp.get_pipe("textcat").to_bytes(exclude=["vocab"]),
                                             exclude=["vocab"])
        small.meta.update(
            name="policy_textcat",
            version=nlp.meta.get("version", "0.0.0"),
            description="Sentence-unit classifier for Chinese policy reports (see MODEL_CARD.md)",
        )
        small.meta[META_KEY] = {"features": features}
        return small

    return artefact


class TextcatClassifier:
    """The trained textcat behind the interface of ``SentenceClassifier``.

    ``predict_proba`` takes token lists (pkuseg tokens of each unit, as the policy pipeline makes
    them) and returns an (n_units, n_classes) array whose columns follow ``classes_``.
    """

    def __init__(self, nlp: Language, batch_size: int = 256):
        self.nlp = nlp
        self.textcat = nlp.get_pipe("textcat")
        self.features = nlp.meta.get(META_KEY, {}).get("features", "tokens")
        self.classes_ = np.array(sorted(self.textcat.labels))
        self.batch_size = batch_size

    @classmethod
    def from_disk(cls, path: str | os.PathLike) -> TextcatClassifier:
        return cls(spacy.load(path))

    def docs(self, X: Iterable[Sequence[str]]) -> list[Doc]:
        return [unit_doc(self.nlp.vocab, tokens, self.features) for tokens in X]

    def predict_proba(self, X: Iterable[Sequence[str]]) -> np.ndarray:
        # In a memory zone the words' strings leave the vocabulary afterwards: memory stays flat
        # over many calls and a saved classifier holds no strings of what it classified.
        with self.nlp.memory_zone():
            docs = self.docs(X)
            out = np.zeros((len(docs), len(self.classes_)), dtype=float)
            for i, doc in enumerate(self.textcat.pipe(docs, batch_size=self.batch_size)):
                out[i] = [doc.cats[label] for label in self.classes_]
        return out

    def predict(self, X: Iterable[Sequence[str]]) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def load_textcat(path: str | os.PathLike) -> TextcatClassifier:
    return TextcatClassifier.from_disk(path)


# --------------------------------------------------------------------------- scoring


def score_labels(gold: Sequence[str], predicted: Sequence[str],
                 labels: Sequence[str] = SENTENCE_LABELS) -> dict:
    """Accuracy, macro-F1 over the labels present in ``gold``, and per-label P/R/F1/support."""
    gold, predicted = list(gold), list(predicted)
    present = [lab for lab in labels if lab in set(gold)]
    per_label = {}
    for lab in labels:
        tp = sum(g == lab and p == lab for g, p in zip(gold, predicted, strict=True))
        n_pred = sum(p == lab for p in predicted)
        n_gold = sum(g == lab for g in gold)
        p = tp / n_pred if n_pred else 0.0
        r = tp / n_gold if n_gold else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        per_label[lab] = {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
                          "support": n_gold, "predicted": n_pred}
    accuracy = sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold) if gold else 0.0
    macro = float(np.mean([per_label[lab]["f1"] for lab in present])) if present else 0.0
    return {"units": len(gold), "macro_f1": round(macro, 4), "accuracy": round(accuracy, 4),
            "macro_f1_over": present, "per_label": per_label}


def score_gold_context_free(clf: TextcatClassifier, nlp: Language | None = None,
                            path: Path = GOLD_FILE) -> dict:
    """The TEST set: every gold unit of the seed report alone, tokenised by ``nlp.tokenizer``
    (the policy pipeline's, needed for a token model; a character model needs none)."""
    records = list(srsly.read_jsonl(path))
    if clf.features == "chars":
        tokens = [[r["text"]] for r in records]
    else:
        if nlp is None:
            import pipeline

            nlp = pipeline.load()
        tokens = [unit_tokens(nlp.tokenizer(r["text"])) for r in records]
    predicted = clf.predict(tokens)
    out = score_labels([r["label"] for r in records], list(predicted))
    out["note"] = ("test set (corpus/gold, hand-annotated seed report), each unit classified alone; "
                   "measured after training, never used for a choice")
    out["file"] = str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)
    return out


# --------------------------------------------------------------------------- training


def features_of(config_path: Path, overrides: dict | None = None) -> str:
    """What the Docs' words are for this config: "tokens" or "chars"."""
    if (overrides or {}).get("training.before_to_disk.features"):
        return overrides["training.before_to_disk.features"]
    cfg = spacy.util.load_config(config_path)
    return cfg["training"]["before_to_disk"].get("features", "tokens")


def spacy_train_once(train_units: list, dev_units: list, out: Path, *, seed: int,
                     max_steps: int | None = None, config: Path = TEXTCAT_CONFIG,
                     overrides: dict | None = None, repeat: dict | None = None,
                     quiet: bool = True) -> tuple[Path, float]:
    """DocBins → ``spacy train`` → the best checkpoint's folder and the seconds it took."""
    from spacy.cli.train import train as spacy_train

    features = features_of(config, overrides)
    vocab = Vocab()
    out.mkdir(parents=True, exist_ok=True)
    train_docs = [unit_doc(vocab, u.tokens, features, u.label) for u in oversample(train_units, repeat)]
    random.Random(seed).shuffle(train_docs)
    _write(train_docs, out / "train.spacy")
    _write([unit_doc(vocab, u.tokens, features, u.label) for u in dev_units], out / "dev.spacy")
    settings = {"paths.train": str(out / "train.spacy"), "paths.dev": str(out / "dev.spacy"),
                "system.seed": seed, **(overrides or {})}
    if max_steps is not None:
        settings["training.max_steps"] = max_steps
    started = time.perf_counter()
    if quiet:
        with open(os.devnull, "w") as sink:
            stdout, sys.stdout = sys.stdout, sink
            try:
                spacy_train(config, out / "model", use_gpu=-1, overrides=settings)
            finally:
                sys.stdout = stdout
    else:
        spacy_train(config, out / "model", use_gpu=-1, overrides=settings)
    return out / "model" / "model-best", time.perf_counter() - started


def cross_validate(units: list, *, folds: int, seed: int, max_steps: int | None = None,
                   config: Path = TEXTCAT_CONFIG, overrides: dict | None = None,
                   repeat: dict | None = None, log=None) -> dict:
    """Whole reports held out: how well the textcat reproduces weak labels on unseen reports."""
    log = log or (lambda msg: None)
    predicted: dict[int, str] = {}
    seconds = []
    for k, held_out in enumerate(report_folds((u.doc_id for u in units), folds, seed)):
        held = set(held_out)
        rest = [u for u in units if u.doc_id not in held]
        dev = set(dev_reports((u.doc_id for u in rest), seed + k))
        with tempfile.TemporaryDirectory(prefix="policy-textcat-cv-") as tmp:
            best, secs = spacy_train_once([u for u in rest if u.doc_id not in dev],
                                          [u for u in rest if u.doc_id in dev], Path(tmp),
                                          seed=seed, max_steps=max_steps, config=config,
                                          overrides=overrides, repeat=repeat)
            clf = TextcatClassifier.from_disk(best)
        seconds.append(secs)
        idx = [i for i, u in enumerate(units) if u.doc_id in held]
        for i, label in zip(idx, clf.predict([units[i].tokens for i in idx]), strict=True):
            predicted[i] = str(label)
        log(f"fold {k + 1}/{folds}: {len(held)} reports, {len(idx)} units, {secs:.0f} s")
    out = score_labels([u.label for u in units], [predicted[i] for i in range(len(units))])
    out.update({"folds": folds, "grouped_by": "report (doc_id)",
                "train_seconds_per_fold": [round(s, 1) for s in seconds]})
    return out


def train_textcat(
    output_dir: str | os.PathLike, *, units: list | None = None, nlp: Language | None = None,
    seed: int = 0, max_steps: int | None = None, folds: int = DEFAULT_FOLDS,
    config: str | os.PathLike = TEXTCAT_CONFIG, overrides: dict | None = None,
    repeat: dict | None = DEFAULT_REPEAT, score_gold: bool = True, log=None,
) -> dict:
    """Weak labels → held-out-report estimate (``folds`` folds; 0 or 1 skips it) → the artefact.

    ``units``: WeakUnits (abstentions are dropped); made from ``corpus/reports`` with ``nlp``
    (``pipeline.load()`` when None) if not given. Writes ``output_dir`` (a spaCy pipeline: zh
    character segmenter + textcat), ``metrics.json`` and ``MODEL_CARD.md``; returns the metrics.
    """
    from spacy import util

    log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    started = time.perf_counter()
    timings: dict[str, float] = {}
    config = Path(config)
    util.fix_random_seed(seed)
    output_dir = Path(output_dir)
    if units is None:
        import pipeline

        from .weak import weak_label_reports

        nlp = nlp or pipeline.load()
        units = weak_label_reports(nlp, sorted(REPORTS_DIR.glob("*.jsonl")))
        timings["weak_labels_seconds"] = time.perf_counter() - started
    units = [u for u in units if u.label]
    counts = Counter(u.label for u in units)
    reports = sorted({u.doc_id for u in units})
    log(f"textcat: {len(units)} weakly labelled units of {len(reports)} reports: {dict(counts)}")

    metrics: dict = {
        "seed": seed,
        "features": features_of(config, overrides),
        "config": str(config.relative_to(REPO)) if config.is_relative_to(REPO) else str(config),
        "overrides": overrides or {},
        "repeat": repeat or {},
        "max_steps": max_steps or util.load_config(config)["training"]["max_steps"],
        "training_units": len(units),
        "training_reports": len(reports),
        "weak_label_counts": {lab: counts.get(lab, 0) for lab in SENTENCE_LABELS},
    }
    if folds and folds > 1:
        t0 = time.perf_counter()
        metrics["heldout_reports"] = cross_validate(units, folds=folds, seed=seed, max_steps=max_steps,
                                                    config=config, overrides=overrides, repeat=repeat,
                                                    log=log)
        timings["cross_validation_seconds"] = time.perf_counter() - t0
        log(f"held-out reports: macro-F1 {metrics['heldout_reports']['macro_f1']:.3f}, "
            f"accuracy {metrics['heldout_reports']['accuracy']:.3f}")

    dev = set(dev_reports(reports, seed))
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="policy-textcat-") as tmp:
        best, secs = spacy_train_once([u for u in units if u.doc_id not in dev],
                                      [u for u in units if u.doc_id in dev], Path(tmp), seed=seed,
                                      max_steps=max_steps, config=config, overrides=overrides,
                                      repeat=repeat)
        install_artefact(best, output_dir)
    timings["final_spacy_train_seconds"] = secs
    timings["final_seconds"] = time.perf_counter() - t0
    clf = TextcatClassifier.from_disk(output_dir)
    dev_units = [u for u in units if u.doc_id in dev]
    t0 = time.perf_counter()
    dev_pred = clf.predict([u.tokens for u in dev_units])
    metrics["inference_units_per_second"] = round(len(dev_units) / max(time.perf_counter() - t0, 1e-9))
    metrics["final_dev"] = score_labels([u.label for u in dev_units], list(dev_pred))
    metrics["final_dev"]["reports"] = sorted(dev)
    metrics["final_dev"]["note"] = "the final model's dev reports, also used to pick its checkpoint"
    if score_gold:
        metrics["gold_context_free"] = score_gold_context_free(clf, nlp)
        log(f"gold (TEST, context-free): macro-F1 {metrics['gold_context_free']['macro_f1']:.3f}, "
            f"accuracy {metrics['gold_context_free']['accuracy']:.3f}")
    timings["total_seconds"] = time.perf_counter() - started
    metrics["timings"] = {k: round(v, 1) for k, v in timings.items()}
    metrics["size_bytes"] = artefact_bytes(output_dir)
    metrics["machine"] = machine()
    srsly.write_json(output_dir / "metrics.json", metrics)
    write_card(output_dir)
    log(f"textcat saved to {output_dir} ({metrics['size_bytes'] / 1e6:.1f} MB) in "
        f"{timings['total_seconds']:.0f} s")
    return metrics


def artefact_bytes(output_dir: Path) -> int:
    return sum(p.stat().st_size for p in Path(output_dir).rglob("*")
               if p.is_file() and p.name not in (CARD_NAME, "metrics.json"))


def machine() -> str:
    return (f"{platform.machine()}, {os.cpu_count()} CPU cores (shared), Python "
            f"{platform.python_version()}, spaCy {spacy.__version__}")


# --------------------------------------------------------------------------- model card


def _rows(block: dict) -> str:
    return "\n".join(
        f"| {lab} | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1']:.3f} | {v['support']} | {v['predicted']} |"
        for lab, v in block["per_label"].items()
    )


def _table(block: dict) -> str:
    return ("| label | precision | recall | F1 | units | predicted |\n|---|---|---|---|---|---|\n"
            + _rows(block))


def render_card(m: dict) -> str:
    from spacy import util

    cfg = util.load_config(REPO / m["config"] if not Path(m["config"]).is_absolute() else m["config"])
    model = cfg["components"]["textcat"]["model"]
    arch = model["@architectures"]
    if arch.startswith("spacy.TextCatBOW"):
        what = (f"`{arch}`: a bag of hashed n-grams (n = 1..{model['ngram_size']}) of the Doc's "
                f"words, a sparse linear layer of {model['length']} rows per label and a softmax "
                "(exclusive classes)")
    else:
        what = f"`{arch}` (see `{m['config']}`)"
    words = ("the unit's pkuseg tokens (the policy pipeline's tokenizer)" if m["features"] == "tokens"
             else "the unit's characters (spaces dropped)")
    if m["features"] == "chars":
        use = ("`spacy.load(\"models/textcat\")(text).cats` also works: its character segmenter "
               "makes the training words (plus space tokens, which the model hardly weighs).")
    else:
        use = ("`spacy.load` also works, but its own character segmenter does not make the pkuseg "
               "words the model was trained on.")
    counts = ", ".join(f"{k} {v}" for k, v in m["weak_label_counts"].items())
    t = m["timings"]
    lines = [
        "# Model card: textcat sentence classifier",
        "",
        "Written by `pipeline.train.textcat.train_textcat` at the end of a training run: every "
        "number below was measured in that run (retrain rather than edit).",
        "",
        "## What it is",
        "",
        f"A spaCy `textcat` with exclusive classes ({', '.join(SENTENCE_LABELS)}): {what}. "
        f"A Doc's words are {words}; no vectors, no tok2vec, CPU only.",
        "",
        f"This folder is a spaCy pipeline: the plain zh character segmenter and that one component "
        f"({m['size_bytes'] / 1e6:.1f} MB, no pkuseg weights, no pickle, no training strings). Use "
        "`pipeline.train.textcat.TextcatClassifier.from_disk(\"models/textcat\")`: its "
        "`predict_proba(token_lists)` has the interface of `pipeline.sklearn_classifier."
        "SentenceClassifier` (columns in the order of `classes_`; token lists in, their characters "
        f"are used when the model is a character model). {use}",
        "",
        "Why characters and a bag of n-grams: on held-out reports (5 folds, weak labels) they "
        "beat pkuseg tokens and a CNN ensemble (table below, measured once when the config was "
        "chosen); a character model needs no segmenter, so the artefact is self-contained and "
        "does not change when pkuseg or the user dictionary do.",
        "",
        "| setting | macro-F1 | macro-F1 w/o responsibility | accuracy | F1 problem | F1 other |",
        "|---|---|---|---|---|---|",
        *(f"| {name} | {a:.3f} | {b:.3f} | {c:.3f} | {d:.3f} | {e:.3f} |"
          for name, a, b, c, d, e in ARCHITECTURE_COMPARISON),
        "",
        "## Data",
        "",
        f"{m['training_units']} sentence units of {m['training_reports']} government work reports "
        "(`corpus/reports/`), weakly labelled by the labelling functions of "
        "`pipeline/train/weak.py` (`pipeline/data/weak_labels.json`); units they abstain on are "
        f"left out. Weak label counts: {counts}. Never used for training or choices: "
        "`corpus/gold/` (the test set); the reports with an annotated copy (`corpus/dev/*/gold`) "
        "are not among the training reports.",
        "",
        "## Training",
        "",
        "```bash",
        ".venv/bin/python -c 'from pipeline.train.textcat import train_textcat; "
        "train_textcat(\"models/textcat\")'",
        "```",
        "",
        "`train_textcat` writes one DocBin per split to a temporary folder (one Doc a unit, "
        "one-hot `doc.cats`) and runs `spacy train` (`spacy.cli.train.train`) with "
        f"`{m['config']}` (overrides: `{json.dumps(m['overrides'])}`), seed {m['seed']}, at most "
        f"{m['max_steps']} steps; `gold_preproc = true` keeps the stored words. Training copies per "
        f"unit of rare labels: `{json.dumps(m['repeat'])}`. spaCy's dev set "
        "(checkpoint selection, `cats_score` = macro-F1) is a seeded 10% of the training reports. "
        f"Seconds on {m['machine']}: `{json.dumps(t)}`. Inference: "
        f"{m['inference_units_per_second']:,} units a second.",
        "",
    ]
    if "heldout_reports" in m:
        h = m["heldout_reports"]
        lines += [
            f"## Held-out reports ({h['folds']} folds of whole reports; against weak labels)",
            "",
            "Each unit is predicted by a model that never saw its report (trained the same way on "
            "the other reports). The reference is the weak labels, so these numbers measure "
            "agreement with the labelling functions on unseen reports, not accuracy.",
            "",
            f"Macro-F1 {h['macro_f1']:.3f} (over {', '.join(h['macro_f1_over'])}), accuracy "
            f"{h['accuracy']:.3f}.",
            "",
            _table(h),
            "",
        ]
    d = m["final_dev"]
    lines += [
        "## The final model's dev reports (also its checkpoint selection)",
        "",
        f"Macro-F1 {d['macro_f1']:.3f}, accuracy {d['accuracy']:.3f} ({d['units']} units of "
        f"{', '.join(d['reports'])}).",
        "",
    ]
    if "gold_context_free" in m:
        g = m["gold_context_free"]
        lines += [
            "## Test set: the gold seed report, context-free (measured once, after training)",
            "",
            f"Every unit of `{g['file']}` classified alone ("
            + ("its characters" if m["features"] == "chars" else "tokenised by the policy pipeline's tokenizer")
            + ", no heading context). Hand labels; a different genre (法治政府建设 report) "
            "from the training reports. Not used for any choice.",
            "",
            f"Macro-F1 {g['macro_f1']:.3f} (over {', '.join(g['macro_f1_over'])}), accuracy "
            f"{g['accuracy']:.3f}.",
            "",
            _table(g),
            "",
        ]
    lines += [
        "## Limits",
        "",
        "- Weak labels: the model learns the labelling functions' blind spots too; their section "
        "votes come from headings, which a unit-level classifier does not see, so it has to guess "
        "the section from wording.",
        "- `responsibility` is nearly absent from government work reports "
        f"({m['weak_label_counts'].get('responsibility', 0)} weak units): the model rarely or "
        "never predicts it.",
        "- Genre shift: the training reports are government work reports, mostly forward-looking "
        "(60% plan); on a 法治政府建设 report read unit by unit it over-predicts `plan` and misses "
        "most `problem` and `responsibility` units (test-set table above). Context from the "
        "headings (the rule tagger, document mode) is what those labels need.",
        "",
    ]
    return "\n".join(lines)


def write_card(output_dir: str | os.PathLike) -> Path:
    """(Re)write MODEL_CARD.md from the folder's metrics.json."""
    path = Path(output_dir) / CARD_NAME
    path.write_text(render_card(srsly.read_json(Path(output_dir) / "metrics.json")), encoding="utf-8")
    return path
