"""Writing an evaluation: ``metrics.json``, a readable ``README.md`` and PNG plots."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..labels import ENTITY_LABELS, SENTENCE_LABELS

METRICS_FILE = "metrics.json"
REPORT_FILE = "README.md"
MAX_ROWS = 150  # error table rows in README.md; metrics.json has them all
MAX_TEXT = 90

SENTENCE_SYSTEMS = {  # metrics path → name in tables and plots
    ("document",): "pipeline, document",
    ("context_free",): "pipeline, context-free",
    ("baselines", "majority"): "baseline: majority",
    ("baselines", "section_only"): "baseline: section-only",
}
ENTITY_SYSTEMS = {("pipeline",): "pipeline", ("baselines", "jieba_posseg"): "jieba.posseg"}
# Present when the pipeline has a sentence classifier / a trained ner (runner.*_variants).
SENTENCE_VARIANTS = {
    ("variants", "document", "rules"): "rules only, document",
    ("variants", "context_free", "rules"): "rules only, context-free",
    ("variants", "context_free", "classifier"): "classifier only, context-free",
    ("variants", "context_free", "textcat"): "spaCy textcat only, context-free",
}
ENTITY_VARIANTS = {("variants", "rules"): "rules only", ("variants", "model"): "ner model only"}


def _has(tree: dict, path: Sequence[str]) -> bool:
    for key in path:
        if not isinstance(tree, dict) or key not in tree:
            return False
        tree = tree[key]
    return True


def sentence_systems(sentences: dict) -> dict[tuple[str, ...], str]:
    systems = {**SENTENCE_SYSTEMS, **SENTENCE_VARIANTS}
    return {path: name for path, name in systems.items() if _has(sentences, path)}


def entity_systems(entities: dict) -> dict[tuple[str, ...], str]:
    systems = {**ENTITY_SYSTEMS, **ENTITY_VARIANTS}
    return {path: name for path, name in systems.items() if _has(entities, path)}


def _get(tree: dict, path: Sequence[str]) -> dict:
    for key in path:
        tree = tree[key]
    return tree


def write_report(metrics: dict[str, Any], out_dir: str | Path) -> Path:
    """Write the three kinds of output into ``out_dir``; returns the README path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / METRICS_FILE).write_text(json.dumps(metrics, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    images = write_plots(metrics, out)
    path = out / REPORT_FILE
    path.write_text(render_markdown(metrics, images), encoding="utf-8")
    return path


# --- plots --------------------------------------------------------------------------------


def write_plots(metrics: dict[str, Any], out: Path) -> dict[str, str]:
    import matplotlib

    matplotlib.use("Agg")
    images: dict[str, str] = {}
    sentences = metrics["sentences"]
    for mode in ("document", "context_free"):
        name = f"confusion_{mode}.png"
        _confusion_plot(sentences[mode]["confusion"], f"Sentence labels, {mode.replace('_', '-')} mode", out / name)
        images[f"confusion_{mode}"] = name
    _bars(
        out / "sentence_f1.png",
        list(SENTENCE_LABELS) + ["macro"],
        {
            label: [_get(sentences, path)["per_label"][lab]["f"] for lab in SENTENCE_LABELS]
            + [_get(sentences, path)["macro_f"]]
            for path, label in sentence_systems(sentences).items()
        },
        "Sentence labels: F1 per label",
    )
    images["sentence_f1"] = "sentence_f1.png"
    entities = metrics["entities"]
    series = {}
    for path, label in entity_systems(entities).items():
        scores = _get(entities, path)
        series[f"{label}, exact"] = [scores["per_type"][t]["f"] for t in ENTITY_LABELS] + [scores["f"]]
        series[f"{label}, overlap"] = [scores["overlap_per_type"][t]["f"] for t in ENTITY_LABELS] + [scores["overlap_f"]]
    _bars(out / "entity_f1.png", list(ENTITY_LABELS) + ["all"], series, "Entities: F1 per type")
    images["entity_f1"] = "entity_f1.png"
    corpora = metrics["segmentation"]["corpora"]
    if corpora:
        names = metrics["segmentation"]["segmenters"]
        _bars(
            out / "segmentation_f1.png",
            [_corpus_title(name, c) for name, c in corpora.items()],
            {seg: [c["scores"][seg]["f"] for c in corpora.values()] for seg in names},
            "Word segmentation: token F1",
        )
        images["segmentation_f1"] = "segmentation_f1.png"
    return images


def _confusion_plot(confusion: dict[str, Any], title: str, path: Path) -> None:
    import matplotlib.pyplot as plt

    matrix = confusion["matrix"]
    fig, ax = plt.subplots(figsize=(6.4, 5.2))
    ax.imshow(matrix, cmap="Blues")
    top = max((v for row in matrix for v in row), default=0) or 1
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            ax.text(j, i, str(value), ha="center", va="center", color="white" if value > top / 2 else "black")
    ax.set_xticks(range(len(confusion["columns"])), confusion["columns"], rotation=30, ha="right")
    ax.set_yticks(range(len(confusion["labels"])), confusion["labels"])
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _bars(path: Path, categories: list[str], series: dict[str, list[float]], title: str) -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(max(6.0, 0.35 * len(categories) * (len(series) + 1)), 4.4))
    width = 0.8 / len(series)
    for k, (name, values) in enumerate(series.items()):
        bars = ax.bar([i + k * width for i in range(len(categories))], values, width=width, label=name)
        ax.bar_label(bars, fmt="%.2f", fontsize=6, padding=1)
    ax.set_xticks([i + width * (len(series) - 1) / 2 for i in range(len(categories))], categories)
    ax.set_ylim(0, 1.08)
    ax.set_ylabel("F1")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=min(4, len(series)), frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --- markdown -----------------------------------------------------------------------------


def _f(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _cell(value: Any, limit: int = MAX_TEXT) -> str:
    text = "" if value is None else str(value)
    text = text.replace("\n", " ").replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _tail(text: str, limit: int) -> str:
    """The end of a long section path: its innermost heading matters most."""
    return text if len(text) <= limit else "…" + text[-(limit - 1):]


def _table(header: Sequence[str], rows: list[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return lines + [""]


def _limited(title: str, header: Sequence[str], rows: list[Sequence[Any]]) -> list[str]:
    lines = [f"### {title} ({len(rows)})", ""]
    if not rows:
        return lines + ["None.", ""]
    lines += _table(header, rows[:MAX_ROWS])
    if len(rows) > MAX_ROWS:
        lines += [f"… and {len(rows) - MAX_ROWS} more in `{METRICS_FILE}`.", ""]
    return lines


def _corpus_title(name: str, corpus: dict[str, Any]) -> str:
    return f"{name} (first {corpus['lines']} lines)" if corpus.get("lines") else name


def render_markdown(metrics: dict[str, Any], images: dict[str, str]) -> str:
    meta = metrics["meta"]
    sentences, entities, seg = metrics["sentences"], metrics["entities"], metrics["segmentation"]
    doc = sentences["document"]
    gold_labels = ", ".join(f"{k} {v}" for k, v in meta["gold_labels"].items())
    gold_ents = ", ".join(f"{k} {v}" for k, v in meta["gold_entity_labels"].items())
    out = [
        "# Evaluation of policy-pipeline",
        "",
        f"Gold: `{meta['gold_dir']}`: {meta['documents']} document(s), {meta['units']} units ({gold_labels}), "
        f"{meta['entities']} entities ({gold_ents}).  ",
        f"Pipeline: {meta['model']} ({', '.join(meta['pipeline'])}), spaCy {meta['spacy']}.  ",
        f"Run: {meta['seconds']:.1f} s ({', '.join(f'{k} {v:.1f} s' for k, v in meta['stages'].items())}).",
        "",
        "Written by `policy-pipeline evaluate`; every number is in `metrics.json`. How things are "
        "measured is at the end.",
        "",
        "## Summary",
        "",
    ]
    out += _table(
        ["sentence labels", "accuracy", "macro-F1"],
        [[name, _f(_get(sentences, path)["acc"]), _f(_get(sentences, path)["macro_f"])]
         for path, name in sentence_systems(sentences).items()],
    )
    out += [
        f"Majority label: `{meta['majority_label']}`. Unit boundaries, document mode: end offsets "
        f"P {_f(doc['boundary_p'])} R {_f(doc['boundary_r'])} F1 {_f(doc['boundary_f'])}; whole units "
        f"P {_f(doc['exact_p'])} R {_f(doc['exact_r'])} F1 {_f(doc['exact_f'])}.",
        "",
    ]
    out += _table(
        ["entities", "exact P", "exact R", "exact F1", "overlap P", "overlap R", "overlap F1"],
        [[name, *(_f(_get(entities, path)[k]) for k in ("p", "r", "f", "overlap_p", "overlap_r", "overlap_f"))]
         for path, name in entity_systems(entities).items()],
    )
    corpora = seg["corpora"]
    if corpora:
        out += _table(
            ["segmentation (token F1)", *(_corpus_title(n, c) for n, c in corpora.items())],
            [[name, *(_f(c["scores"][name]["f"]) for c in corpora.values())] for name in seg["segmenters"]],
        )
    out += ["## Sentences", "", "Precision / recall / F1 per label; support is the number of gold units.", ""]
    rows = []
    for label in SENTENCE_LABELS:
        score = doc["per_label"][label]
        rows.append([label, score["support"], _f(score["p"]), _f(score["r"]), _f(score["f"]),
                     *(_f(_get(sentences, path)["per_label"][label]["f"]) for path in list(sentence_systems(sentences))[1:])])
    names = list(sentence_systems(sentences).values())
    out += _table(["label", "support", "P", "R", f"F1 ({names[0]})", *(f"F1 ({n})" for n in names[1:])], rows)
    out += [f"![F1 per label]({images['sentence_f1']})", ""]
    for mode in ("document", "context_free"):
        confusion = sentences[mode]["confusion"]
        out += [f"### Confusion matrix, {mode.replace('_', '-')} mode (rows gold, columns predicted)", ""]
        out += _table(["gold \\ predicted", *confusion["columns"]],
                      [[label, *row] for label, row in zip(confusion["labels"], confusion["matrix"], strict=True)])
        out += [f"![confusion matrix, {mode}]({images[f'confusion_{mode}']})", ""]
    for mode, title in (("document", "Errors, document mode"), ("context_free", "Errors, context-free mode")):
        out += _limited(
            title,
            ["doc", "chars", "gold", "predicted", "score", "section", "text"],
            [[e["doc_id"], f"{e['start']}-{e['end']}", e["gold"], e["pred"] or "(none)",
              "" if e["score"] is None else f"{e['score']:.2f}", _tail(e["section"], 30),
              e["text"] + (f" ⟨predicted unit: {e['pred_text']}⟩" if e["pred_text"] else "")]
             for e in sentences[mode]["errors"]],
        )
    out += ["## Entities", ""]
    pipeline_ents, jieba = entities["pipeline"], entities["baselines"]["jieba_posseg"]
    out += _table(
        ["type", "support", "exact P", "exact R", "exact F1", "overlap P", "overlap R", "overlap F1",
         "jieba exact F1", "jieba overlap F1"],
        [[t, pipeline_ents["support"].get(t, 0),
          *(_f(pipeline_ents["per_type"][t][k]) for k in "prf"),
          *(_f(pipeline_ents["overlap_per_type"][t][k]) for k in "prf"),
          _f(jieba["per_type"][t]["f"]), _f(jieba["overlap_per_type"][t]["f"])] for t in ENTITY_LABELS],
    )
    out += [f"![F1 per entity type]({images['entity_f1']})", ""]
    out += _limited(
        "Misses (gold entities the pipeline did not find exactly)",
        ["doc", "chars", "type", "gold text", "context", "predicted there"],
        [[e["doc_id"], f"{e['start']}-{e['end']}", e["label"], e["text"], e["context"], "; ".join(e["pred"])]
         for e in pipeline_ents["misses"]],
    )
    out += _limited(
        "False alarms (predicted entities not in the gold exactly)",
        ["doc", "chars", "type", "predicted text", "context", "gold there"],
        [[e["doc_id"], f"{e['start']}-{e['end']}", e["label"], e["text"], e["context"], "; ".join(e["gold"])]
         for e in pipeline_ents["false_alarms"]],
    )
    out += ["## Segmentation", ""]
    for name, corpus in corpora.items():
        out += [f"### {_corpus_title(name, corpus)}: {corpus['sentences']} sentences, {corpus['words']} words", ""]
        out += _table(
            ["segmenter", "P", "R", "F1", "gold words most often missed"],
            [[seg_name, _f(s["p"]), _f(s["r"]), _f(s["f"]), " ".join(f"{w}×{n}" for w, n in s["missed"][:10])]
             for seg_name, s in corpus["scores"].items()],
        )
    if "segmentation_f1" in images:
        out += [f"![token F1]({images['segmentation_f1']})", ""]
    if seg["skipped"]:
        out += ["Skipped: " + "; ".join(seg["skipped"]) + ".", ""]
    out.append(METHOD)
    return "\n".join(out)


METHOD = """## How it is measured

- **Document mode**: the pipeline reads each whole report (`corpus/raw/<doc_id>.txt`). Every
  gold unit is paired with the predicted unit that shares most characters with it, and gets that
  unit's label; a gold unit no predicted unit touches counts as `(none)`. Accuracy is over gold
  units; precision, recall and F1 per label come from spaCy's `PRFScore` over those pairs;
  macro-F1 averages the labels that occur in the gold or the predictions.
- **Context-free mode**: each gold unit's text is run through the pipeline alone, with no
  heading, section or neighbour: what the tagger knows from the sentence itself.
- **Boundaries**: precision/recall of the set of unit end offsets (a boundary found / a boundary
  in the gold), and of whole units (start and end equal; spaCy `Scorer.score_spans`, unlabelled).
- **Baselines**, scored on the pipeline's units exactly like it: *majority* labels every unit with
  the most frequent gold label (taken from the gold itself: there is no training split);
  *section-only* is the rule tagger with its cue lexicons, quantity bonus and paragraph carry
  removed, so a unit takes the section label of the heading above it (a heading its own, page
  chrome and units under no labelled heading `other`).
- **Entities**: *exact* is spaCy's `Scorer.score_spans` (same type, same start and end);
  *overlap* pairs predicted and gold entities of the same type that share a character, one to one,
  largest overlap first. *jieba.posseg* is an off-the-shelf reference: `nt` → ORG, numerals `m`
  followed by a measure word `q` → QUANTITY, text inside 《》 → LAW.
- **Segmentation**: precision/recall/F1 of word character spans (spaCy
  `Scorer.score_tokenization`, as the SIGHAN script). `pkuseg` is the pipeline's pkuseg model
  with only its own dictionary, `pkuseg+policy_dict` adds the policy user dictionary,
  `pipeline` is the pipeline's tokenizer (which also cuts at unit ends and punctuation), `jieba`
  is `jieba.lcut`. The SIGHAN 2005 PKU and MSR test sets are scored on their first lines only
  (`--seg-lines`), on the text of the gold words joined.
"""


def headline(metrics: dict[str, Any], report_path: Path | None = None) -> str:
    meta, sentences, entities = metrics["meta"], metrics["sentences"], metrics["entities"]
    lines = [
        f"Gold: {meta['documents']} document(s), {meta['units']} units, {meta['entities']} entities",
        "",
        f"{'Sentences':<36}{'accuracy':>9}{'macro-F1':>10}",
    ]
    for path, name in sentence_systems(sentences).items():
        scores = _get(sentences, path)
        lines.append(f"  {name:<34}{scores['acc']:>9.3f}{scores['macro_f']:>10.3f}")
    doc = sentences["document"]
    lines.append(f"  unit boundaries: P {doc['boundary_p']:.3f}  R {doc['boundary_r']:.3f}  F1 {doc['boundary_f']:.3f}")
    lines += ["", f"{'Entities (F1)':<36}{'exact':>9}{'overlap':>10}" + "".join(f"{t:>10}" for t in ENTITY_LABELS)]
    for path, name in entity_systems(entities).items():
        scores = _get(entities, path)
        lines.append(f"  {name:<34}{scores['f']:>9.3f}{scores['overlap_f']:>10.3f}"
                     + "".join(f"{scores['per_type'][t]['f']:>10.3f}" for t in ENTITY_LABELS))
    corpora = metrics["segmentation"]["corpora"]
    if corpora:
        lines += ["", f"{'Segmentation (token F1)':<36}" + "".join(f"{name:>12}" for name in corpora)]
        for seg in metrics["segmentation"]["segmenters"]:
            lines.append(f"  {seg:<34}" + "".join(f"{c['scores'][seg]['f']:>12.3f}" for c in corpora.values()))
    for skipped in metrics["segmentation"]["skipped"]:
        lines.append(f"  skipped {skipped}")
    lines += ["", f"Time: {meta['seconds']:.1f} s" + (f"   report: {report_path}" if report_path else "")]
    return "\n".join(lines)
