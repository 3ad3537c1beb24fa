"""Records as three tables, documents, sentences and entities, for pandas, datasets and Parquet.

The tables carry the same content as the JSONL records: ``doc_index`` (the position in the
output) joins them, ``meta`` is kept whole as a JSON string, quantity values are float64 (exact up
to 2**53), and ``records_from_tables`` rebuilds the records.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from .labels import QUANTITY
from .output import NORMALISED_FIELDS

TABLES = ("documents", "sentences", "entities")
META_COLUMNS = ("title", "issuer", "doc_number", "date", "encoding")
SCHEMAS = {
    "documents": pa.schema([
        ("doc_index", pa.int64()), ("doc_id", pa.string()), ("source", pa.string()), ("chars", pa.int64()),
        *[(name, pa.string()) for name in META_COLUMNS],
        ("meta", pa.string()), ("error_code", pa.string()), ("error_message", pa.string()),
        ("n_sentences", pa.int32()), ("n_entities", pa.int32()),
    ]),
    "sentences": pa.schema([
        ("doc_index", pa.int64()), ("doc_id", pa.string()), ("sentence_index", pa.int32()),
        ("start", pa.int64()), ("end", pa.int64()), ("text", pa.string()), ("label", pa.string()),
        ("score", pa.float64()), ("section", pa.string()), ("heading", pa.bool_()),
    ]),
    "entities": pa.schema([
        ("doc_index", pa.int64()), ("doc_id", pa.string()), ("entity_index", pa.int32()),
        ("start", pa.int64()), ("end", pa.int64()), ("text", pa.string()), ("label", pa.string()),
        ("value", pa.float64()), ("value_max", pa.float64()), ("unit", pa.string()), ("approx", pa.string()),
    ]),
}
_BATCH_DOCS = 256


def _text(value: Any) -> str | None:
    return None if value is None else value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def rows(records: Iterable[dict[str, Any]], start: int = 0) -> dict[str, list[dict[str, Any]]]:
    """The table rows of some records; ``start`` is the doc_index of the first one."""
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    for index, record in enumerate(records, start=start):
        meta, error = record["meta"], record["error"]
        out["documents"].append({
            "doc_index": index, "doc_id": record["doc_id"], "source": record["source"], "chars": record["chars"],
            **{name: _text(meta.get(name)) for name in META_COLUMNS},
            "meta": json.dumps(meta, ensure_ascii=False),
            "error_code": error["code"] if error else None, "error_message": error["message"] if error else None,
            "n_sentences": len(record["sentences"]), "n_entities": len(record["entities"]),
        })
        for number, sent in enumerate(record["sentences"]):
            out["sentences"].append({"doc_index": index, "doc_id": record["doc_id"], "sentence_index": number, **sent})
        for number, ent in enumerate(record["entities"]):
            row = {"doc_index": index, "doc_id": record["doc_id"], "entity_index": number,
                   **{name: None for name in NORMALISED_FIELDS}, **ent}
            for name in ("value", "value_max"):  # float64: exact up to 2**53, enough for 10.36百亿亿
                row[name] = None if row[name] is None else float(row[name])
            out["entities"].append(row)
    return out


def to_arrow(records: Iterable[dict[str, Any]], start: int = 0) -> dict[str, pa.Table]:
    return {name: pa.Table.from_pylist(items, schema=SCHEMAS[name]) for name, items in rows(records, start).items()}


def _batches(records: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for record in records:
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def write_parquet(records: Iterable[dict[str, Any]], folder: Path) -> dict[str, Path]:
    """``folder/{documents,sentences,entities}.parquet``, each written under a temporary name and
    renamed when all three are complete."""
    folder.mkdir(parents=True, exist_ok=True)
    final = {name: folder / f"{name}.parquet" for name in TABLES}
    tmp = {name: folder / f".{name}.parquet.tmp-{os.getpid()}" for name in TABLES}
    writers = {name: pq.ParquetWriter(tmp[name], SCHEMAS[name]) for name in TABLES}
    try:
        start = 0
        for batch in _batches(records, _BATCH_DOCS):
            for name, table in to_arrow(batch, start).items():
                writers[name].write_table(table)
            start += len(batch)
    except BaseException:
        for name in TABLES:
            writers[name].close()
            tmp[name].unlink(missing_ok=True)
        raise
    for writer in writers.values():
        writer.close()
    for name in TABLES:
        os.replace(tmp[name], final[name])
    return final


def _tidy(value: float | None) -> int | float | None:
    if value is None or value != value:  # None or NaN (pandas' missing value)
        return None
    return int(value) if float(value).is_integer() else float(value)


def _none(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and value != value) else value


def records_from_tables(documents, sentences, entities) -> list[dict[str, Any]]:
    """The records back from the three tables (pandas DataFrames or pyarrow Tables)."""
    docs = documents.to_pylist() if isinstance(documents, pa.Table) else documents.to_dict("records")
    sents = sentences.to_pylist() if isinstance(sentences, pa.Table) else sentences.to_dict("records")
    ents = entities.to_pylist() if isinstance(entities, pa.Table) else entities.to_dict("records")
    records: dict[int, dict[str, Any]] = {}
    for row in docs:
        code = _none(row["error_code"])
        records[int(row["doc_index"])] = {
            "doc_id": row["doc_id"], "source": row["source"], "chars": int(row["chars"]),
            "meta": json.loads(row["meta"]), "sentences": [], "entities": [],
            "error": {"code": code, "message": row["error_message"]} if code else None,
        }
    for row in sorted(sents, key=lambda r: (r["doc_index"], r["sentence_index"])):
        records[int(row["doc_index"])]["sentences"].append({
            "start": int(row["start"]), "end": int(row["end"]), "text": row["text"], "label": row["label"],
            "score": _none(row["score"]), "section": row["section"], "heading": bool(row["heading"]),
        })
    for row in sorted(ents, key=lambda r: (r["doc_index"], r["entity_index"])):
        ent = {"start": int(row["start"]), "end": int(row["end"]), "text": row["text"], "label": row["label"]}
        if row["label"] == QUANTITY:
            ent.update({"value": _tidy(row["value"]), "value_max": _tidy(row["value_max"]),
                        "unit": _none(row["unit"]), "approx": _none(row["approx"])})
        records[int(row["doc_index"])]["entities"].append(ent)
    return [records[index] for index in sorted(records)]
