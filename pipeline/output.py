"""The output contract: one plain JSON-able record per document."""

from __future__ import annotations

from typing import Any

from spacy.tokens import Doc

from .labels import QUANTITY, UNITS_KEY
from .units import doc_text

NORMALISED_FIELDS = ("value", "value_max", "unit", "approx")


def to_record(doc: Doc, *, doc_id: str, source: str = "", extra_meta: dict | None = None) -> dict[str, Any]:
    meta = dict(doc._.meta or {})
    if extra_meta:
        meta.update(extra_meta)
    text = doc_text(doc)
    sentences = [_sentence(span, text) for span in doc.spans.get(UNITS_KEY, [])]
    entities = []
    for ent in doc.ents:
        record = {"start": ent.start_char, "end": ent.end_char, "text": text[ent.start_char : ent.end_char],
                  "label": ent.label_}
        if ent.label_ == QUANTITY:
            ext = ent._
            record.update({field: getattr(ext, field) for field in NORMALISED_FIELDS})
        entities.append(record)
    return {
        "doc_id": doc_id,
        "source": source,
        "chars": len(text),
        "meta": meta,
        "sentences": sentences,
        "entities": entities,
        "error": None,
    }


def _sentence(span, text: str) -> dict[str, Any]:
    ext = span._  # each `span._` builds a new accessor
    return {
        "start": span.start_char,
        "end": span.end_char,
        "text": text[span.start_char : span.end_char],
        "label": ext.label,
        "score": ext.score,
        "section": ext.section,
        "heading": bool(ext.is_heading),
    }


def error_record(*, doc_id: str, source: str, code: str, message: str, chars: int = 0) -> dict[str, Any]:
    return {
        "doc_id": doc_id,
        "source": source,
        "chars": chars,
        "meta": {},
        "sentences": [],
        "entities": [],
        "error": {"code": code, "message": message},
    }
