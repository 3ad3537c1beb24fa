"""The hand-annotated gold: loading, checking, and handing it to spaCy and Hugging Face.

Schema
======
``corpus/gold/<doc_id>.jsonl`` holds one annotated report; its text is
``corpus/raw/<doc_id>.txt`` (decoded and line-end normalised exactly as ``policy-pipeline run``
reads it). Each line is one sentence unit, in text order::

    {"doc_id": "luzhou-2022", "start": 1021, "end": 1049, "text": "……", "label": "achievement",
     "entities": [{"start": 1030, "end": 1033, "label": "QUANTITY", "text": "32件"}]}

- ``start``/``end``: code-point offsets into the raw text, end exclusive; ``text`` must equal
  ``raw[start:end]``. Units do not overlap and come in text order.
- ``label``: one of ``SENTENCE_LABELS`` (``pipeline/labels.py``).
- ``entities``: absolute offsets like the unit's, inside the unit, not overlapping; ``label`` one
  of ``ENTITY_LABELS``; ``text`` must equal ``raw[start:end]``.
- ``doc_id`` must be the file name without ``.jsonl``.

Files that do not end in ``.jsonl`` (``JUDGEMENTS.md``, the ``segmentation/`` folder) are not
read. To add a report, add ``raw/<doc_id>.txt`` and ``gold/<doc_id>.jsonl``; nothing else changes.

Gold segmentation (``corpus/gold/segmentation/<doc_id>.seg.txt``) is read by
``pipeline.evaluation.segmentation``: one sentence a line, words separated by spaces.

Views of the gold
=================
- ``load_gold(dir)`` → ``GoldDoc`` objects (checked; errors name the file and line).
- ``to_dataset(docs)`` → a ``datasets.Dataset``, one row per unit, columns as in the schema
  (``label`` and entity ``label`` are ``ClassLabel`` features).
- ``reference_doc(vocab, doc)`` → a spaCy ``Doc`` with one token per non-space character, the
  units in ``doc.spans["units"]`` (span label = sentence label, sentence starts set) and the
  entities in ``doc.ents``; ``user_data["doc_id"]``, ``user_data["offset"]`` say where it is from.
- ``to_examples(nlp, docs)`` → ``Example`` objects for
  ``nlp.evaluate(examples, scorer=PolicyScorer(nlp))`` (``pipeline.evaluation.scorer``);
  ``context_free=True`` gives one example per unit, the unit's text alone.
- ``to_docbin(docs)`` → a ``DocBin`` of the reference docs (``spacy evaluate``-style corpora).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacy import util
from spacy.tokens import Doc, DocBin, Span
from spacy.training import Example
from spacy.vocab import Vocab

from .errors import Errors
from .labels import ENTITY_LABELS, SENTENCE_LABELS, UNITS_KEY
from .readers import read_document

GOLD_SUFFIX = ".jsonl"
UNIT_FIELDS = ("doc_id", "start", "end", "text", "label", "entities")
ENTITY_FIELDS = ("start", "end", "label", "text")


@dataclass(frozen=True)
class GoldEntity:
    start: int
    end: int
    label: str
    text: str


@dataclass(frozen=True)
class GoldUnit:
    start: int
    end: int
    text: str
    label: str
    entities: tuple[GoldEntity, ...] = ()


@dataclass
class GoldDoc:
    doc_id: str
    text: str
    units: list[GoldUnit] = field(default_factory=list)
    source: str = ""

    @property
    def entities(self) -> list[GoldEntity]:
        return [ent for unit in self.units for ent in unit.entities]


def gold_files(gold_dir: str | Path) -> list[Path]:
    return sorted(p for p in Path(gold_dir).glob(f"*{GOLD_SUFFIX}") if p.is_file())


def load_gold(gold_dir: str | Path, raw_dir: str | Path | None = None) -> list[GoldDoc]:
    """Every ``<doc_id>.jsonl`` of ``gold_dir`` with its raw text (default ``gold_dir/../raw``)."""
    gold_dir = Path(gold_dir)
    raw_dir = Path(raw_dir) if raw_dir else gold_dir.parent / "raw"
    files = gold_files(gold_dir)
    if not files:
        raise FileNotFoundError(Errors.E020.format(path=gold_dir))
    return [load_gold_file(path, raw_dir / f"{path.stem}.txt") for path in files]


def load_gold_file(path: str | Path, raw_path: str | Path) -> GoldDoc:
    path, raw_path = Path(path), Path(raw_path)
    raw = read_document(raw_path) if raw_path.is_file() else None
    if raw is None or raw.error:
        reason = raw.error[1] if raw else "no such file"
        raise FileNotFoundError(Errors.E022.format(doc_id=path.stem, path=raw_path, reason=reason))
    doc = GoldDoc(doc_id=path.stem, text=raw.text, source=str(path))
    previous_end = 0
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            unit = _parse_unit(line, doc)
            if unit.start < previous_end:
                raise ValueError(f"unit starts at {unit.start}, before the end of the previous unit ({previous_end})")
        except ValueError as err:
            raise ValueError(Errors.E021.format(path=path, line=number, reason=err)) from None
        doc.units.append(unit)
        previous_end = unit.end
    return doc


def _parse_unit(line: str, doc: GoldDoc) -> GoldUnit:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as err:
        raise ValueError(f"not JSON ({err})") from None
    if not isinstance(record, dict):
        raise ValueError("not a JSON object")
    missing = [name for name in UNIT_FIELDS if name not in record]
    if missing:
        raise ValueError(f"missing field(s) {', '.join(missing)}")
    if record["doc_id"] != doc.doc_id:
        raise ValueError(f"doc_id {record['doc_id']!r} differs from the file name {doc.doc_id!r}")
    if record["label"] not in SENTENCE_LABELS:
        raise ValueError(Errors.E006.format(label=record["label"], labels=", ".join(SENTENCE_LABELS)))
    start, end = _checked_offsets(record, doc.text, "unit")
    entities = []
    ent_end = start
    for ent in sorted(record["entities"], key=lambda e: e.get("start", -1)):
        missing = [name for name in ENTITY_FIELDS if name not in ent]
        if missing:
            raise ValueError(f"entity {ent} lacks {', '.join(missing)}")
        if ent["label"] not in ENTITY_LABELS:
            raise ValueError(Errors.E007.format(label=ent["label"], labels=", ".join(ENTITY_LABELS)))
        e_start, e_end = _checked_offsets(ent, doc.text, "entity")
        if e_start < ent_end or e_end > end:
            raise ValueError(f"entity {ent['text']!r} at {e_start}-{e_end} overlaps another or leaves the unit")
        entities.append(GoldEntity(e_start, e_end, ent["label"], ent["text"]))
        ent_end = e_end
    return GoldUnit(start, end, record["text"], record["label"], tuple(entities))


def _checked_offsets(record: dict[str, Any], text: str, what: str) -> tuple[int, int]:
    start, end = record["start"], record["end"]
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
        raise ValueError(f"{what} offsets {start}-{end} are not a span of the {len(text)}-character text")
    if text[start:end] != record["text"]:
        raise ValueError(f"{what} text {record['text']!r} differs from the raw text at {start}-{end}: {text[start:end]!r}")
    if record["text"] != record["text"].strip():
        raise ValueError(f"{what} text {record['text']!r} starts or ends with whitespace")
    return start, end


# --- Hugging Face -------------------------------------------------------------------------


def dataset_features():
    from datasets import ClassLabel, Features, Value

    entity = {
        "start": Value("int32"),
        "end": Value("int32"),
        "label": ClassLabel(names=list(ENTITY_LABELS)),
        "text": Value("string"),
    }
    return Features(
        {
            "doc_id": Value("string"),
            "start": Value("int32"),
            "end": Value("int32"),
            "text": Value("string"),
            "label": ClassLabel(names=list(SENTENCE_LABELS)),
            "entities": [entity],
        }
    )


def to_dataset(docs: Iterable[GoldDoc]):
    """One row per unit, in document and text order."""
    from datasets import Dataset

    rows = [
        {
            "doc_id": doc.doc_id,
            "start": unit.start,
            "end": unit.end,
            "text": unit.text,
            "label": unit.label,
            "entities": [
                {"start": e.start, "end": e.end, "label": e.label, "text": e.text} for e in unit.entities
            ],
        }
        for doc in docs
        for unit in doc.units
    ]
    features = dataset_features()
    return Dataset.from_list([features.encode_example(row) for row in rows], features=features)


# --- spaCy --------------------------------------------------------------------------------


def char_doc(vocab: Vocab, text: str) -> Doc:
    """One token per non-space character, whitespace kept as spaCy keeps it: every gold offset
    is a token boundary, and any tokenization of the same text aligns with it."""
    words, spaces = util.get_words_and_spaces([c for c in text if not c.isspace()], text)
    return Doc(vocab, words=words, spaces=spaces)


def reference_doc(vocab: Vocab, doc: GoldDoc, units: list[GoldUnit] | None = None,
                  *, offset: int = 0, text: str | None = None) -> Doc:
    """The gold as a spaCy Doc. ``units``/``offset``/``text`` select a part of the report
    (offsets are shifted by ``-offset``); by default the whole report."""
    units = doc.units if units is None else units
    ref = char_doc(vocab, doc.text if text is None else text)
    ref.user_data["doc_id"] = doc.doc_id
    ref.user_data["offset"] = offset

    def span(start: int, end: int, label: str) -> Span:
        out = ref.char_span(start - offset, end - offset, label=label)
        if out is None:  # only whitespace at an edge does this, and load_gold refuses it
            raise ValueError(f"{doc.doc_id}: {start}-{end} starts or ends with whitespace")
        return out

    spans = [span(u.start, u.end, u.label) for u in units]
    for token in ref:
        token.is_sent_start = False
    for unit_span in spans:
        unit_span[0].is_sent_start = True
    if len(ref):
        ref[0].is_sent_start = True
    ref.spans[UNITS_KEY] = spans
    ref.ents = [span(e.start, e.end, e.label) for u in units for e in u.entities]
    return ref


def unit_reference_docs(vocab: Vocab, doc: GoldDoc) -> list[Doc]:
    """One reference doc per unit: the unit's text alone, offsets relative to the unit."""
    return [reference_doc(vocab, doc, [unit], offset=unit.start, text=unit.text) for unit in doc.units]


def to_examples(nlp, docs: Iterable[GoldDoc], *, context_free: bool = False) -> list[Example]:
    """Examples whose predicted side is ``nlp.make_doc`` of the same text, for ``nlp.evaluate``."""
    examples = []
    for doc in docs:
        refs = unit_reference_docs(nlp.vocab, doc) if context_free else [reference_doc(nlp.vocab, doc)]
        examples.extend(Example(nlp.make_doc(ref.text), ref) for ref in refs)
    return examples


def to_docbin(docs: Iterable[GoldDoc], vocab: Vocab | None = None) -> DocBin:
    vocab = vocab or Vocab()
    return DocBin(docs=[reference_doc(vocab, doc) for doc in docs], store_user_data=True)
