"""The output contract: one plain JSON-able record per document."""

from __future__ import annotations

from typing import Any

from spacy.tokens import Doc

from .labels import QUANTITY, UNITS_KEY

NORMALISED_FIELDS = ("value", "value_max", "unit", "approx")


def to_record(doc: Doc, *, doc_id: str, source: str = "", extra_meta: dict | None = None) -> dict[str, Any]:
    meta = dict(doc._.meta or {})
    if extra_meta:
        meta.update(extra_meta)
    sentences = [
        {
            "start": span.start_char,
            "end": span.end_char,
            "text": span.text,
            "label": span._.label,
            "score": span._.score,
            "section": span._.section,
            "heading": bool(span._.is_heading),
        }
        for span in doc.spans.get(UNITS_KEY, [])
    ]
    entities = []
    for ent in doc.ents:
        record = {"start": ent.start_char, "end": ent.end_char, "text": ent.text, "label": ent.label_}
        if ent.label_ == QUANTITY:
            record.update({field: getattr(ent._, field) for field in NORMALISED_FIELDS})
        entities.append(record)
    return {
        "doc_id": doc_id,
        "source": source,
        "chars": len(doc.text),
        "meta": meta,
        "sentences": sentences,
        "entities": entities,
        "error": None,
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
