"""Training the spaCy ``ner`` for ORG, LAW and QUANTITY.

Data (counts are measured and written to the model card at every run):

- silver: ``policy_entity_rules`` over the government work reports in ``corpus/reports/``, one
  example per sentence unit; the reports are split by document into train, dev (model selection
  by ``spacy train``) and a held-out test part;
- CLUENER2020 ``government`` and ``organization`` spans as ORG, and MSRA ``ORG``, read from the
  shared corpora when they are present. Their text never enters the repository: the DocBin files
  live in a temporary folder. The rule LAW and QUANTITY spans are added to these sentences, since
  the research sets do not annotate those types and would otherwise teach the model that every
  quantity is outside an entity. CLUENER ``company`` spans are left unannotated (missing), since
  the guideline does not say whether a company is an ORG, and so are its ``book``, ``movie`` and
  ``game`` titles: the rules would call every title in 《》 a LAW, the guideline would not.

Character offsets become token spans of our pkuseg tokenizer with ``Doc.char_span``; a span that
does not fall on token boundaries is not guessed: its tokens are marked missing (neither entity
nor outside) and counted.

The corpus/gold annotation and corpus/raw/luzhou-2022.txt (the project's test report) are never
read here.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import spacy
import srsly
from spacy import util
from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span
from spacy.util import registry

from ..components.entities import EntityRules
from ..errors import Errors, Warnings
from ..gold import load_gold
from ..labels import ENTITY_LABELS, LAW, ORG, QUANTITY
from ..units import iter_units
from .artefacts import install_artefact
from .weak import CORPUS_DIR, GOLD_TRAINING_FOLDERS, annotated_doc_ids, iter_reports

PACKAGE = Path(__file__).resolve().parents[1]
REPO = PACKAGE.parent
REPORTS_DIR = REPO / "corpus" / "reports"
NER_CONFIG = PACKAGE / "configs" / "ner.cfg"
RULES_CONFIG = PACKAGE / "configs" / "default.cfg"
ENV_SHARED = "POLICY_PIPELINE_SHARED_CORPORA"
CARD_NAME = "MODEL_CARD.md"

CLUENER_ORG_TYPES = ("government", "organization")
CLUENER_UNSURE_TYPES = ("company", "book", "movie", "game")
MSRA_ORG = "ORG"

# Held-out parts of the report corpus, by document, per source file.
TEST_SHARE = 0.12
DEV_SHARE = 0.08
# Units without any rule entity are mostly long narrative; a sample of them teaches "outside"
# without tripling the training time.
EMPTY_UNIT_SHARE = 0.15
# Training units with a LAW span are repeated this often: a few hundred titles among ten thousand
# quantities are too few for the ner to keep learning them (it recalled LAW 0.55 of the rules'
# held-out spans with none repeated).
LAW_UNIT_REPEAT = 3
# Hand-annotated units are exact where silver units guess: each is seen this many times.
GOLD_UNIT_REPEAT = 3
# Caps that keep training within a few minutes on 2 CPU cores. ORG sentences of the research
# sets are the point of using them; a share of their sentences without ORG keeps the model from
# learning that every news sentence holds one.
CLUENER_DEV_SENTENCES = 400
MSRA_ORG_SENTENCES = 3000
MSRA_OTHER_SENTENCES = 1000
MSRA_DEV_SENTENCES = 300

# The precedence modes the held-out evaluation compares (see components/entities.py), and the
# one pipeline/configs/default.cfg uses (chosen on the held-out data; see the model card).
EVAL_MODES = (
    ("rules_first", (ORG,)), ("model_first", (ORG,)), ("extend", (ORG,)), ("prefix", (ORG,)),
    ("rules_first", ENTITY_LABELS),
)
CHOSEN_MODE = ("prefix", (ORG,))
# Hand judgements of the ORG spans the model adds to the rules on the held-out reports; kept in
# the artefact folder (retraining leaves it in place) and summarised in the model card.
CHECK_FILE = "heldout_added_org.tsv"
CHECK_COLUMNS = ("doc_id", "start", "end", "text", "judgement", "context")
# A seeded random sample of the rules' own ORG spans on the same reports, judged the same way:
# the rules' precision there, which the card needs to tell whether the additions help.
RULES_SAMPLE_FILE = "heldout_rules_org_sample.tsv"


@dataclass
class Annotated:
    """A text with entity spans (end exclusive) and spans whose tokens stay unannotated."""

    text: str
    spans: list[tuple[int, int, str]] = field(default_factory=list)
    unsure: list[tuple[int, int]] = field(default_factory=list)


# --------------------------------------------------------------------------- readers


def read_reports(folder: Path = REPORTS_DIR, exclude: Iterable[str] | None = None) -> dict[str, list[tuple[str, str]]]:
    """``{file stem: [(doc_id, text), ...]}`` of the JSONL report collections, without
    ``exclude`` (by default the annotated reports: ``weak.annotated_doc_ids()``)."""
    exclude = annotated_doc_ids() if exclude is None else exclude
    out: dict[str, list[tuple[str, str]]] = {}
    for path in sorted(Path(folder).glob("*.jsonl")):
        out[path.stem] = [(rec["doc_id"], rec["text"]) for rec in iter_reports([path], exclude)]
    if not out:
        raise FileNotFoundError(Errors.E061.format(path=folder))
    return out


def split_by_document(
    groups: dict[str, list[tuple[str, str]]], seed: int
) -> dict[str, list[tuple[str, str]]]:
    """Train/dev/test parts by whole documents; each source file contributes to each part."""
    parts: dict[str, list[tuple[str, str]]] = {"train": [], "dev": [], "test": []}
    for name in sorted(groups):
        docs = sorted(groups[name])
        random.Random(f"{seed}:{name}").shuffle(docs)
        n_test = max(1, round(len(docs) * TEST_SHARE))
        n_dev = max(1, round(len(docs) * DEV_SHARE))
        parts["test"] += docs[:n_test]
        parts["dev"] += docs[n_test : n_test + n_dev]
        parts["train"] += docs[n_test + n_dev :]
    return parts


def read_cluener(lines: Iterable[str], stats: Counter | None = None) -> Iterator[Annotated]:
    """CLUENER2020 JSONL: ``government``/``organization`` become ORG; offsets are inclusive."""
    stats = stats if stats is not None else Counter()
    for line in lines:
        if not line.strip():
            continue
        rec = json.loads(line)
        text = rec["text"]
        item = Annotated(text)
        for type_, surfaces in (rec.get("label") or {}).items():
            for surface, offsets in surfaces.items():
                for start, end_inclusive in offsets:
                    end = end_inclusive + 1
                    if text[start:end] != surface:
                        # The set has a few offsets that do not match their surface; trust neither.
                        stats["offset_mismatch"] += 1
                        item.unsure.append((start, end))
                    elif type_ in CLUENER_ORG_TYPES:
                        item.spans.append((start, end, ORG))
                    elif type_ in CLUENER_UNSURE_TYPES:
                        item.unsure.append((start, end))
        yield item


def read_msra(lines: Iterable[str]) -> Iterator[Annotated]:
    """MSRA: one ``char TAG`` a line (BMES), CRLF line ends, a blank line between sentences."""
    chars: list[str] = []
    tags: list[str] = []
    for raw in lines:
        line = raw.rstrip("\r\n")
        if not line.strip():
            if chars:
                yield _bmes_to_annotated(chars, tags)
            chars, tags = [], []
            continue
        char, _, tag = line.rpartition(" ")
        chars.append(char or " ")
        tags.append(tag)
    if chars:
        yield _bmes_to_annotated(chars, tags)


def _bmes_to_annotated(chars: list[str], tags: list[str]) -> Annotated:
    item = Annotated("".join(chars))
    start = None
    for i, tag in enumerate(tags):
        prefix, _, label = tag.partition("-")
        if label != MSRA_ORG:
            start = None
            continue
        if prefix == "S":
            item.spans.append((i, i + 1, ORG))
            start = None
        elif prefix == "B":
            start = i
        elif prefix == "E" and start is not None:
            item.spans.append((start, i + 1, ORG))
            start = None
    return item


def shared_ner_dir() -> Path | None:
    """The shared NER corpora folder, or None when it is absent."""
    candidate = Path(os.environ.get(ENV_SHARED) or REPO.parent / "shared" / "corpora") / "ner"
    return candidate if candidate.is_dir() else None


def _open_text(path: Path) -> Iterator[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as fh:
        yield from fh


# --------------------------------------------------------------------------- conversion


def _overlaps(span: Span, others: Iterable[Span]) -> bool:
    return any(span.start < o.end and o.start < span.end for o in others)


def annotated_to_doc(
    nlp: Language, rules: EntityRules | None, item: Annotated, stats: Counter
) -> Doc:
    """Tokenise with our tokenizer and set the entity spans on the tokens.

    ``rules`` adds rule LAW and QUANTITY spans where the annotation has nothing (research sets
    annotate neither). Misaligned spans are counted and their tokens marked missing.
    """
    doc = nlp.make_doc(item.text)
    ents: list[Span] = []
    missing: list[Span] = []
    for start, end, label in item.spans:
        span = doc.char_span(start, end, label=label)
        if span is None:
            stats[f"{label}_misaligned"] += 1
            wide = doc.char_span(start, end, alignment_mode="expand")
            if wide is not None:
                missing.append(wide)
            continue
        stats[f"{label}_aligned"] += 1
        ents.append(span)
    for start, end in item.unsure:
        wide = doc.char_span(start, end, alignment_mode="expand")
        if wide is not None:
            missing.append(wide)
    ents = util.filter_spans(ents)
    if rules is not None:
        for span in rules.find(doc):
            if span.label_ in (LAW, QUANTITY) and not _overlaps(span, ents + missing):
                ents.append(Span(doc, span.start, span.end, label=span.label_))
                stats[f"{span.label_}_rules"] += 1
    missing = [m for m in util.filter_spans(missing) if not _overlaps(m, ents)]
    doc.set_ents(sorted(ents, key=lambda s: s.start), missing=missing, default="outside")
    return doc


def silver_units(
    doc: Doc, rng: random.Random | None, stats: Counter, empty_share: float = EMPTY_UNIT_SHARE
) -> list[Doc]:
    """One Doc per sentence unit of a rule-annotated report, rule entities included.

    Units without entities are kept with probability ``empty_share`` (all of them without
    ``rng``, as for evaluation).
    """
    # Words and IOB tags are read once: Span.as_doc copies the whole document's arrays per unit.
    words = [t.text for t in doc]
    spaces = [bool(t.whitespace_) for t in doc]
    tags = [f"{t.ent_iob_}-{t.ent_type_}" if t.ent_type else "O" for t in doc]
    out = []
    for start, end in iter_units(doc.text):
        span = doc.char_span(start, end)
        if span is None:  # the tokenizer cuts at unit boundaries, so this means a tokenizer change
            stats["units_misaligned"] += 1
            continue
        stats["units"] += 1
        unit_tags = tags[span.start : span.end]
        if all(tag == "O" for tag in unit_tags) and rng is not None and rng.random() >= empty_share:
            continue
        starts_inside = unit_tags[0].startswith("I-")
        runs_on = span.end < len(doc) and tags[span.end].startswith("I-")
        if starts_inside or runs_on:
            # An entity across a unit boundary (a title over two lines): neither label nor outside.
            stats["units_with_crossing_entity"] += 1
            unit_tags = _missing_crossing(unit_tags, starts_inside, runs_on)
        unit = Doc(doc.vocab, words=words[span.start : span.end], spaces=spaces[span.start : span.end],
                   ents=unit_tags)
        stats["units_kept"] += 1
        for ent in unit.ents:
            stats[ent.label_] += 1
        out.append(unit)
    return out


def gold_unit_docs(nlp: Language, folders: Iterable[str] = GOLD_TRAINING_FOLDERS,
                   dev_dir: Path = CORPUS_DIR / "dev", stats: Counter | None = None) -> list[Doc]:
    """One Doc per hand-annotated unit of the annotated work reports, on our tokens, the hand
    entities as its entities. A hand span off our token boundaries leaves its tokens missing
    rather than guessed."""
    stats = Counter() if stats is None else stats
    out = []
    for folder in folders:
        for gold in load_gold(dev_dir / folder / "gold", dev_dir / folder / "raw"):
            doc = nlp.make_doc(gold.text)
            for unit in gold.units:
                span = doc.char_span(unit.start, unit.end)
                if span is None:
                    stats["gold_units_misaligned"] += 1
                    continue
                tags = ["O"] * len(span)
                for ent in unit.entities:
                    exact = doc.char_span(ent.start, ent.end)
                    ent_span = exact or doc.char_span(ent.start, ent.end, alignment_mode="expand")
                    stats["gold_" + ent.label if exact else "gold_spans_off_tokens"] += 1
                    for i in range(ent_span.start, ent_span.end):
                        tags[i - span.start] = ("B-" if i == ent_span.start else "I-") + ent.label if exact else ""
                out.append(Doc(doc.vocab, words=[t.text for t in span], spaces=[bool(t.whitespace_) for t in span],
                               ents=tags))
                stats["gold_units"] += 1
    return out


def _missing_crossing(tags: list[str], starts_inside: bool, runs_on: bool) -> list[str]:
    """Mark the part of an entity cut by the unit boundary as missing ("")."""
    tags = list(tags)
    if starts_inside:
        i = 0
        while i < len(tags) and tags[i].startswith("I-"):
            tags[i] = ""
            i += 1
    if runs_on:
        j = len(tags) - 1
        while j >= 0 and tags[j] not in ("O", ""):
            head = tags[j].startswith("B-")
            tags[j] = ""
            if head:
                break
            j -= 1
    return tags


def rules_nlp() -> Language:
    """Our tokenizer and the entity rules only: no other component runs or needs its model."""
    from ..language import build

    cfg = util.load_config(RULES_CONFIG)
    rules_cfg = dict(cfg["components"]["policy_entity_rules"])
    rules_cfg["merge"] = "off"
    cfg["nlp"]["pipeline"] = ["policy_entity_rules"]
    cfg["components"] = {"policy_entity_rules": rules_cfg}
    cfg["initialize"] = {"tokenizer": dict(cfg["initialize"]["tokenizer"])}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rules.cfg"
        cfg.to_disk(path)
        return build(path)


# --------------------------------------------------------------------------- the artefact


@registry.callbacks("policy_pipeline.ner_artefact.v1")
def make_artefact_callback():
    """``spacy train``'s ``before_to_disk``: save a zh pipeline (character segmenter) that holds
    only the trained ner, so checkpoints are a few MB and load without the pkuseg model."""

    def artefact(nlp: Language) -> Language:
        small = spacy.blank(nlp.lang)
        # Built from the component's config and weights rather than add_pipe(source=...), which
        # would copy the training vocabulary's strings, i.e. every word of the training texts
        # (research sets included), into the artefact. Hashed features need no strings.
        config = {k: v for k, v in nlp.config["components"]["ner"].items() if k != "factory"}
        small.add_pipe("ner", config=config)
        small.get_pipe("ner").from_bytes(nlp.get_pipe("ner").to_bytes(exclude=["vocab"]), exclude=["vocab"])
        small.meta.update(
            name="policy_ner",
            version=nlp.meta.get("version", "0.0.0"),
            description="ORG/LAW/QUANTITY ner for Chinese policy reports (tokens: pkuseg, see MODEL_CARD.md)",
        )
        return small

    return artefact


# --------------------------------------------------------------------------- scoring


def prf(gold: set, pred: set) -> dict:
    tp = len(gold & pred)
    p = tp / len(pred) if pred else 0.0
    r = tp / len(gold) if gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": round(p, 4), "r": round(r, 4), "f": round(f, 4), "tp": tp,
            "fp": len(pred) - tp, "fn": len(gold) - tp}


def score(gold: list[list[tuple]], pred: list[list[tuple]], labels: Iterable[str]) -> dict:
    """Exact-match P/R/F1 per label over (start, end, label) character spans of each text."""
    def flat(items, label):
        return {(i, s, e) for i, spans in enumerate(items) for s, e, lab in spans if lab == label}

    return {label: prf(flat(gold, label), flat(pred, label)) for label in labels}


def _char_spans(spans: Iterable[Span]) -> list[tuple[int, int, str]]:
    return [(s.start_char, s.end_char, s.label_) for s in spans]


def predict(ner_nlp: Language, docs: list[Doc]) -> list[list[tuple[int, int, str]]]:
    """The trained ner's spans on our tokens (the artefact's own tokenizer is not used)."""
    ner = ner_nlp.get_pipe("ner")
    copies = (Doc(ner_nlp.vocab, words=[t.text for t in d], spaces=[bool(t.whitespace_) for t in d])
              for d in docs)
    return [_char_spans(d.ents) for d in ner.pipe(copies, batch_size=64)]


def mode_key(mode: str, model_labels: Iterable[str]) -> str:
    return f"{mode}:{'+'.join(model_labels)}"


def evaluate_set(
    rules: EntityRules, ner_nlp: Language, docs: list[Doc], gold: list[list[tuple]], labels
) -> tuple[dict, dict[str, list[list[tuple]]]]:
    """Rules only, model only and each precedence mode against ``gold``; also the spans."""
    model = predict(ner_nlp, docs)
    found = {"rules": [_char_spans(rules.find(d)) for d in docs], "model": model}
    for mode, model_labels in EVAL_MODES:
        combined = []
        for doc, spans in zip(docs, model, strict=True):
            upstream = [doc.char_span(s, e, label=lab) for s, e, lab in spans]
            combined.append(_char_spans(rules.combine(doc, [u for u in upstream if u is not None],
                                                      mode=mode, model_labels=model_labels)))
        found[mode_key(mode, model_labels)] = combined
    return {name: score(gold, spans, labels) for name, spans in found.items()}, found


def research_training_docs(nlp, rules, shared: Path, seed: int, stats: dict, *, cluener=True, msra=True):
    """Training and dev Docs from the research sets' training files."""
    train, dev = [], []
    rng = random.Random(seed)
    if cluener:
        st: Counter = Counter()
        items = list(read_cluener(_open_text(shared / "cluener2020" / "train.json"), st))
        rng.shuffle(items)
        docs = [annotated_to_doc(nlp, rules, it, st) for it in items]
        dev += docs[:CLUENER_DEV_SENTENCES]
        train += docs[CLUENER_DEV_SENTENCES:]
        st["sentences"] = len(items)
        stats["cluener_train"] = dict(st)
    if msra:
        st = Counter()
        items = list(read_msra(_open_text(shared / "msra" / "msra_train.txt.gz")))
        st["sentences"] = len(items)
        rng.shuffle(items)
        with_org = [it for it in items if it.spans][: MSRA_ORG_SENTENCES + MSRA_DEV_SENTENCES]
        without = [it for it in items if not it.spans][:MSRA_OTHER_SENTENCES]
        chosen = with_org + without
        rng.shuffle(chosen)
        st["used"] = len(chosen)
        docs = [annotated_to_doc(nlp, rules, it, st) for it in chosen]
        dev += docs[:MSRA_DEV_SENTENCES]
        train += docs[MSRA_DEV_SENTENCES:]
        stats["msra_train"] = dict(st)
    return train, dev


def research_eval_sets(shared: Path | None) -> dict[str, list[Annotated]]:
    """CLUENER2020 dev and MSRA test: never trained on, used to measure ORG."""
    if shared is None:
        return {}
    return {
        "cluener_dev": list(read_cluener(_open_text(shared / "cluener2020" / "dev.json"))),
        "msra_test": list(read_msra(_open_text(shared / "msra" / "msra_test.txt"))),
    }


def evaluate_model(ner_nlp: Language, nlp: Language, rules: EntityRules, silver_test: list[Doc],
                   doc_ids: list[str], research: dict[str, list[Annotated]], stats: dict) -> dict:
    """Per-type P/R/F1 on the held-out silver reports and ORG on the research evaluation sets.

    Also lists the ORG spans the chosen precedence adds to (or changes in) the rules' output on
    the held-out reports, for the hand check summarised in the model card.
    """
    metrics: dict = {}
    gold = [_char_spans(d.ents) for d in silver_test]
    started = time.perf_counter()
    predict(ner_nlp, silver_test)
    metrics["inference_tokens_per_second"] = round(
        sum(len(d) for d in silver_test) / (time.perf_counter() - started))
    metrics["heldout_silver"], found = evaluate_set(rules, ner_nlp, silver_test, gold, ENTITY_LABELS)
    added, replaced = [], []
    for doc_id, doc, rule_spans, combined in zip(
        doc_ids, silver_test, found["rules"], found[mode_key(*CHOSEN_MODE)], strict=True
    ):
        for start, end, label in sorted(set(combined) - set(rule_spans)):
            if label == ORG:
                added.append({"doc_id": doc_id, "start": start, "end": end, "text": doc.text[start:end],
                              "context": doc.text[max(0, start - 12) : end + 10].replace("\n", " ")})
        # Rule ORG spans the model's ORG displaced: the boundary disagreements, listed in the card.
        for start, end, label in sorted(set(rule_spans) - set(combined)):
            if label == ORG:
                by = [doc.text[s:e] for s, e, lab in combined if s < end and start < e]
                replaced.append({"doc_id": doc_id, "rules": doc.text[start:end], "model": by})
    metrics["heldout_silver_added_org"] = added
    metrics["heldout_silver_replaced_org"] = replaced
    for name, items in research.items():
        docs = [nlp.make_doc(it.text) for it in items]
        gold = [list(it.spans) for it in items]
        st: Counter = Counter()
        for doc, it in zip(docs, items, strict=True):
            for s, e, _ in it.spans:
                # A gold span off our token boundaries can never be matched exactly.
                st["ORG_aligned" if doc.char_span(s, e) is not None else "ORG_misaligned"] += 1
        stats[f"{name}_eval"] = {"sentences": len(items), **st}
        metrics[f"{name}_org"] = evaluate_set(rules, ner_nlp, docs, gold, (ORG,))[0]
    return metrics


def _write(docs: list[Doc], path: Path) -> None:
    DocBin(docs=docs, store_user_data=False).to_disk(path)


def train_ner(output_dir: Path, *, seed: int = 0) -> dict:
    """Train the ner with ``spacy train``, save the small artefact in ``output_dir``, measure it.

    Writes ``output_dir`` (a spaCy pipeline: zh character segmenter + ner, a few MB),
    ``output_dir/metrics.json`` and ``output_dir/MODEL_CARD.md``; returns the metrics.
    """
    return run_training(Path(output_dir), seed=seed)


def run_training(
    output_dir: Path, *, seed: int = 0, cluener: bool = True, msra: bool = True,
    overrides: dict | None = None, log=None, gold_folders: Iterable[str] = (),
) -> dict:
    """``train_ner`` with switches for the data ablations reported in the model card. The hand
    entities of ``gold_folders`` (``weak.GOLD_TRAINING_FOLDERS`` for all) are off by default: they
    did not raise ORG F1 on the pipeline's held-out pairs (see ``_gold_line``)."""
    from spacy.cli.train import train as spacy_train

    from ..language import user_dict_path
    from ..models import resolve_pkuseg_dir

    log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    started = time.perf_counter()
    timings: dict[str, float] = {}
    util.fix_random_seed(seed)
    nlp = rules_nlp()
    rules: EntityRules = nlp.get_pipe("policy_entity_rules")

    parts = split_by_document(read_reports(), seed)
    stats: dict = {"reports": {k: [doc_id for doc_id, _ in v] for k, v in parts.items()}}
    silver: dict[str, list[Doc]] = {}
    full_test: list[Doc] = []
    rng = random.Random(seed)
    for part, docs in parts.items():
        st: Counter = Counter()
        units = []
        for doc in nlp.pipe((text for _, text in docs), batch_size=4):
            if part == "test":
                full_test.append(doc)
            else:
                units += silver_units(doc, rng, st)
        silver[part] = units
        st["documents"] = len(docs)
        st["characters"] = sum(len(t) for _, t in docs)
        stats[f"silver_{part}"] = dict(st)
    timings["silver_seconds"] = time.perf_counter() - started
    log(f"silver data: {stats['silver_train']}")

    train_docs, dev_docs = list(silver["train"]), list(silver["dev"])
    repeated = [d for d in train_docs if any(e.label_ == LAW for e in d.ents)] * (LAW_UNIT_REPEAT - 1)
    train_docs += repeated
    stats["law_units_repeated"] = len(repeated)
    gold_stats: Counter = Counter()
    train_docs += gold_unit_docs(nlp, gold_folders, stats=gold_stats) * GOLD_UNIT_REPEAT
    stats["gold_train"] = {"folders": list(gold_folders), "repeat": GOLD_UNIT_REPEAT, **gold_stats}
    shared = shared_ner_dir()
    if shared is None:
        log(Warnings.W020.format(env=ENV_SHARED))
        stats["research_sets"] = "skipped: shared corpora absent"
    elif cluener or msra:
        t0 = time.perf_counter()
        ext_train, ext_dev = research_training_docs(nlp, rules, shared, seed, stats, cluener=cluener, msra=msra)
        train_docs += ext_train
        dev_docs += ext_dev
        timings["research_sets_seconds"] = time.perf_counter() - t0
        log(f"research sets: {', '.join(f'{k}={stats[k]}' for k in ('cluener_train', 'msra_train') if k in stats)}")
    random.Random(seed).shuffle(train_docs)
    stats["train_docs"] = len(train_docs)
    stats["train_tokens"] = sum(len(d) for d in train_docs)
    stats["dev_docs"] = len(dev_docs)

    with tempfile.TemporaryDirectory(prefix="policy-ner-") as tmp:
        tmp_path = Path(tmp)
        _write(train_docs, tmp_path / "train.spacy")
        _write(dev_docs, tmp_path / "dev.spacy")
        settings = {
            "paths.train": str(tmp_path / "train.spacy"),
            "paths.dev": str(tmp_path / "dev.spacy"),
            "paths.pkuseg_model": str(resolve_pkuseg_dir()),
            "paths.pkuseg_user_dict": user_dict_path("policy"),
            "system.seed": seed,
            **(overrides or {}),
        }
        t0 = time.perf_counter()
        spacy_train(NER_CONFIG, tmp_path / "out", use_gpu=-1, overrides=settings)
        timings["spacy_train_seconds"] = time.perf_counter() - t0
        install_artefact(tmp_path / "out" / "model-best", output_dir)

    t0 = time.perf_counter()
    metrics = {"seed": seed, "data": stats}
    metrics.update(evaluate_model(spacy.load(output_dir), nlp, rules, full_test,
                                  [doc_id for doc_id, _ in parts["test"]], research_eval_sets(shared), stats))
    timings["evaluation_seconds"] = time.perf_counter() - t0
    timings["total_seconds"] = time.perf_counter() - started
    metrics["timings"] = {k: round(v, 1) for k, v in timings.items()}
    metrics["size_bytes"] = sum(p.stat().st_size for p in output_dir.rglob("*")
                                if p.is_file() and p.name not in (CHECK_FILE, CARD_NAME))
    srsly.write_json(output_dir / "metrics.json", metrics)
    write_card(output_dir)
    log(f"ner saved to {output_dir} ({metrics['size_bytes'] / 1e6:.1f} MB) in {timings['total_seconds']:.0f} s")
    return metrics


# --------------------------------------------------------------------------- model card


def write_card(output_dir: Path) -> Path:
    """(Re)write MODEL_CARD.md from metrics.json and the hand check, e.g. after judging spans."""
    metrics = srsly.read_json(output_dir / "metrics.json")
    path = output_dir / CARD_NAME
    path.write_text(render_card(metrics, read_checks(output_dir / CHECK_FILE),
                                read_checks(output_dir / RULES_SAMPLE_FILE)), encoding="utf-8")
    return path


def read_checks(path: Path) -> dict[tuple[str, int, int], str]:
    """Hand judgements by (doc_id, start, end): "1" ORG by the guideline, "0" not, "?" unclear."""
    if not path.exists():
        return {}
    lines = path.read_text(encoding="utf-8").splitlines()
    out = {}
    for line in lines[1:]:
        if line.strip():
            row = dict(zip(CHECK_COLUMNS, line.split("\t"), strict=False))
            out[(row["doc_id"], int(row["start"]), int(row["end"]))] = row["judgement"]
    return out


def write_check_template(metrics: dict, path: Path, previous: dict | None = None) -> None:
    """The added spans of a run as a TSV to judge by hand; earlier judgements are kept."""
    previous = previous or {}
    rows = ["\t".join(CHECK_COLUMNS)]
    for a in metrics["heldout_silver_added_org"]:
        judgement = previous.get((a["doc_id"], a["start"], a["end"]), "")
        rows.append("\t".join([a["doc_id"], str(a["start"]), str(a["end"]), a["text"], judgement,
                               a["context"].replace("\t", " ")]))
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def check_summary(metrics: dict, checks: dict) -> dict:
    counts: Counter = Counter()
    for a in metrics["heldout_silver_added_org"]:
        counts[checks.get((a["doc_id"], a["start"], a["end"]), "unjudged") or "unjudged"] += 1
    judged = counts["1"] + counts["0"] + counts["?"]
    return {
        "added": len(metrics["heldout_silver_added_org"]),
        "correct": counts["1"], "wrong": counts["0"], "unclear": counts["?"],
        "unjudged": counts["unjudged"],
        "precision_strict": round(counts["1"] / judged, 3) if judged else None,
        "precision_lenient": round((counts["1"] + counts["?"]) / judged, 3) if judged else None,
    }


def added_vs_rules(metrics: dict, check: dict, rules_sample: dict) -> dict | None:
    """Whether the judged additions can raise the rules' ORG F1 on the held-out reports.

    The rules' precision comes from the judged sample; every addition judged correct is an ORG
    the rules missed, so the rules' recall is at most TP / (TP + correct additions), which bounds
    their F1; additions raise F1 when their precision exceeds half of it.
    """
    judged = [j for j in rules_sample.values() if j in ("0", "1", "?")]
    if not judged or not check.get("precision_strict"):
        return None
    precision = sum(j == "1" for j in judged) / len(judged)
    n_rules = metrics["heldout_silver"]["rules"][ORG]["tp"]
    tp = precision * n_rules
    recall_max = tp / (tp + check["correct"]) if tp + check["correct"] else 0.0
    f1_max = 2 * precision * recall_max / (precision + recall_max) if precision + recall_max else 0.0
    return {"rules_sample": len(judged), "rules_precision_strict": round(precision, 3),
            "rules_org_spans": n_rules, "rules_recall_at_most": round(recall_max, 3),
            "rules_f1_at_most": round(f1_max, 3), "threshold_f1_half": round(f1_max / 2, 3),
            "additions_precision_strict": check["precision_strict"],
            "additions_help": check["precision_strict"] > f1_max / 2}


def _table(block: dict, labels: tuple[str, ...]) -> str:
    rows = ["| system | " + " | ".join(f"{lab} P / R / F1" for lab in labels) + " |",
            "|---|" + "---|" * len(labels)]
    for system, per_label in block.items():
        cells = [f"{per_label[lab]['p']:.3f} / {per_label[lab]['r']:.3f} / {per_label[lab]['f']:.3f}"
                 for lab in labels]
        rows.append(f"| {system} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def precedence_evidence(metrics: dict) -> list[str]:
    """What this run's numbers say about the chosen precedence, stated only if they say it."""
    out = []
    silver = metrics["heldout_silver"]["model"]
    weaker = [lab for lab in (LAW, QUANTITY) if silver[lab]["r"] < 1.0]
    if weaker:
        out.append(f"- The model's {' and '.join(weaker)} are not used: it recalls "
                   + ", ".join(f"{lab} {silver[lab]['r']:.3f}" for lab in weaker)
                   + " of the rules' spans on the held-out reports, and the rules are the "
                   "guideline's definition of both.")
    first, second = mode_key(*CHOSEN_MODE), mode_key("rules_first", (ORG,))
    for key in ("cluener_dev_org", "msra_test_org"):
        if key in metrics:
            a, b = metrics[key][first][ORG]["f"], metrics[key][second][ORG]["f"]
            verdict = "beats" if a > b else "does NOT beat"
            out.append(f"- `{key}`: `{first}` ORG F1 {a:.3f} {verdict} `{second}` {b:.3f}.")
    pairs = [f"{r['rules']} → {'/'.join(r['model']) or '(nothing)'}"
             for r in metrics.get("heldout_silver_replaced_org", [])]
    if pairs:
        out.append("- Where model and rule ORG spans overlap with different boundaries on the "
                   "held-out reports (rules → model): " + "; ".join(pairs) + ".")
    return out


def _sample_scope(sample: dict, test_reports: list[str]) -> str:
    """Which reports the judged sample of rule spans comes from, when not this run's."""
    stale = sorted({doc_id for doc_id, _, _ in sample} - set(test_reports))
    if not stale:
        return ", on these reports"
    return (f"; {len(stale)} of its reports are not among this run's held-out reports, so it "
            f"judges the rules of an earlier run on its own held-out reports: {', '.join(stale)}")


def _gold_line(folders: list[str]) -> str:
    if not folders:
        return ("- Hand-annotated units of `corpus/dev/`: not used (`run_training(gold_folders=...)` adds "
                "them; with them ORG F1 in the pipeline was 0.770 instead of 0.764 on `corpus/dev/heldout5/` "
                "and 0.854 instead of 0.865 on `corpus/dev/heldout6/`, and the ner alone fell on the seed).")
    return (f"- Gold: every hand-annotated unit of `corpus/dev/` {', '.join(folders)}, with the hand "
            f"entities, repeated {GOLD_UNIT_REPEAT} times (`gold_train` below; hand spans off our token "
            "boundaries leave their tokens missing).")


def render_card(metrics: dict, checks: dict | None = None, rules_sample: dict | None = None) -> str:
    data, timings = metrics["data"], metrics["timings"]
    cfg = util.load_config(NER_CONFIG)
    embed = cfg["components"]["ner"]["model"]["tok2vec"]["embed"]
    encode = cfg["components"]["ner"]["model"]["tok2vec"]["encode"]
    chosen = mode_key(*CHOSEN_MODE)
    check = check_summary(metrics, checks or {})
    research = data.get("research_sets") or ", ".join(
        name for name in ("cluener_train", "msra_train") if name in data) or "none"
    lines = [
        "# Model card: ner (ORG, LAW, QUANTITY)",
        "",
        "Written by `pipeline.train.ner.train_ner` at the end of a training run: every number below "
        "was measured in that run (retrain rather than edit).",
        "",
        "## What it is",
        "",
        "A spaCy `ner` (transition-based parser, hidden width "
        f"{cfg['components']['ner']['model']['hidden_width']}) with its own tok2vec: hash embeddings of "
        f"{', '.join(embed['attrs'])} (rows {list(embed['rows'])}, width {embed['width']}) of our pkuseg "
        "tokens (PREFIX is a word's first character, SUFFIX its last three: 局, 委员会, 办公室), then "
        f"{encode['depth']} maxout CNN layers of window {encode['window_size']} (each token sees "
        f"{encode['depth'] * encode['window_size']} tokens either side). No static vectors, CPU only.",
        "",
        "This folder is a spaCy pipeline with the plain zh character segmenter and that one "
        f"component ({metrics['size_bytes'] / 1e6:.1f} MB, no pkuseg weights, no pickle): "
        "`spacy.load(\"models/ner\")` works anywhere. Inside the policy pipeline the component "
        "`policy_trained_ner` (pipeline/components/trained_ner.py) loads its weights at "
        "`initialize` and runs it on our pkuseg tokens, as in training; `policy_entity_rules` then "
        "merges its spans with the rules (below).",
        "",
        "## Data",
        "",
        "- Silver: `policy_entity_rules` over the government work reports in `corpus/reports/`, one "
        "example per sentence unit (units without any entity sampled at "
        f"{EMPTY_UNIT_SHARE:.0%}), split by whole report into train / dev (model selection) / test "
        f"(held out); the reports with an annotated copy are left out. Training units with a LAW span "
        f"are repeated {LAW_UNIT_REPEAT} times (`law_units_repeated` below).",
        _gold_line(data.get("gold_train", {}).get("folders", [])),
        "- CLUENER2020 train (`government` + `organization` → ORG; `company`, `book`, `movie`, `game` "
        "left unannotated) and MSRA train (ORG; a sample of sentences with and without ORG), from "
        "the shared corpora when present. Their text never enters the repository. The rule LAW and "
        "QUANTITY spans are added to these sentences. Gold spans that do not fall on our token "
        "boundaries are not guessed: their tokens are marked missing (counts below). Research sets "
        f"used: {research}.",
        "- Never used: `corpus/gold/` and `corpus/raw/luzhou-2022.txt` (the project's test report).",
        "",
        "```json",
        json.dumps({k: v for k, v in data.items() if k != "reports"}, ensure_ascii=False, indent=1),
        "```",
        "",
        "Held-out test reports: " + ", ".join(data["reports"]["test"]) + ".  ",
        "Dev reports: " + ", ".join(data["reports"]["dev"]) + ".",
        "",
        "## Training",
        "",
        "```bash",
        ".venv/bin/policy-pipeline train        # calls pipeline.train.ner.train_ner(Path(\"models/ner\"), seed=0)",
        ".venv/bin/python -c 'from pathlib import Path; from pipeline.train.ner import train_ner; train_ner(Path(\"models/ner\"))'",
        "```",
        "",
        "`train_ner` writes the DocBin corpora to a temporary folder and runs `spacy train` with "
        "`pipeline/configs/ner.cfg` (our tokenizer, `[initialize.tokenizer] pkuseg_model` = the "
        "pkuseg model folder); `[training.before_to_disk]` saves each checkpoint as the small "
        f"pipeline described above. Seed {metrics['seed']}. Timings in seconds on 2 CPU cores: "
        f"`{json.dumps(timings)}`. At run time the ner tags "
        f"{metrics.get('inference_tokens_per_second', 0):,} pkuseg tokens a second (held-out "
        "reports, one core).",
        "",
        "## Held-out metrics",
        "",
        "Exact span match. System rows: `rules` the rule component alone, `model` the ner alone, "
        "`MODE:LABELS` the merge of both (`policy_entity_rules` with `merge = MODE`, "
        "`model_labels = LABELS`).",
        "",
        "### Held-out silver reports (whole documents)",
        "",
        "The reference is the rules' own output, so `rules` is 1.0 by construction and `model` "
        "measures how well the model reproduces the rules on unseen reports; model spans beyond "
        "the rules count as false positives here whether or not they are right (see the hand "
        "check below).",
        "",
        _table(metrics["heldout_silver"], ENTITY_LABELS),
    ]
    for key, title in (("cluener_dev_org", "CLUENER2020 dev: ORG = government + organization"),
                       ("msra_test_org", "MSRA test: ORG")):
        if key in metrics:
            note = ("; a predicted ORG on a CLUENER company counts as a false positive"
                    if key.startswith("cluener") else "")
            lines += ["", f"### {title}", "",
                      "Human annotation, news genre, boundary conventions that differ from ours "
                      f"(our ORG keeps the administrative prefix){note}.", "",
                      _table(metrics[key], (ORG,))]
    if "cluener_dev_org" not in metrics:
        lines += ["", "The research evaluation sets were absent: no ORG scores on human annotation."]
    lines += [
        "",
        "## Combination with the rules",
        "",
        f"`pipeline/configs/default.cfg` runs this ner before `policy_entity_rules` with `merge = "
        f"\"{CHOSEN_MODE[0]}\"` and `model_labels = {json.dumps(list(CHOSEN_MODE[1]))}` (row "
        f"`{chosen}`): the rules' LAW and QUANTITY spans stand (precise by construction, and "
        "QUANTITY carries the normalised value); the rules' ORG spans stand too, except where a "
        "model ORG span ends where a rule span ends and starts earlier (the administrative prefix "
        "the guideline keeps). The model's other ORG spans are not added: the hand check below "
        "puts their precision near half the rules' own. Model ORG spans pass the rules' guideline "
        "checks (nothing inside a 《》 title, no generic class or self reference).",
        "",
        *precedence_evidence(metrics),
        "",
        "Hand check of what the merge adds on the held-out reports: every ORG span in the merged "
        "output that the rules alone do not produce, judged against corpus/ANNOTATION.md "
        f"(`{CHECK_FILE}` in this folder: 1 = ORG, 0 = not, ? = unclear, such as companies and "
        "newspapers the guideline does not settle):",
        "",
        f"```json\n{json.dumps(check)}\n```",
        "",
        "Adding spans of precision q to a system's output raises its F1 exactly when q > F1/2. "
        f"The rules' own ORG precision, from a seeded random sample judged the same way "
        f"(`{RULES_SAMPLE_FILE}`{_sample_scope(rules_sample or {}, data['reports']['test'])}), "
        "and what it implies (every correct addition is an ORG the rules missed, which bounds "
        "their recall and F1):",
        "",
        f"```json\n{json.dumps(added_vs_rules(metrics, check, rules_sample or {}))}\n```",
        "",
        "## Limitations",
        "",
        "- The silver labels are the rules' output: the model learns their blind spots too, and "
        "silver scores are agreement with the rules, not accuracy.",
        "- CLUENER2020 and MSRA are news; the model's extra ORG spans lean towards national and "
        "international bodies (世贸组织, 联合国) and it also tags companies, newspapers and the odd "
        "phrase ending like a body (wrong ones are in the hand check).",
        "- The weights are derived from CLUENER2020 (no licence file) and MSRA (research data): "
        "check those terms before commercial use; retrain with the shared corpora absent for a "
        "model from the silver data alone.",
        "",
    ]
    return "\n".join(lines)
