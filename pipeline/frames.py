"""The per-partition function: a pandas DataFrame of documents in, a DataFrame of records out.

Plain pandas and plain arguments, so any engine that hands out pandas batches can call it: Dask's
``map_partitions``, Spark's ``mapInPandas``, Ray Data's ``map_batches``. The pipeline is loaded
once per process from a saved pipeline directory and kept (pipeline.batch.get_pipeline).

In: ``doc_id`` and ``text`` (required); ``source``, ``meta`` (a JSON string), ``error_code`` and
``error_message`` (a reading error, which passes through) are optional.
Out: ``doc_id``, ``source``, ``chars``, ``error_code`` and ``record``: the record as the JSON line
``policy-pipeline run`` writes to JSONL.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import pandas as pd

from .batch import DEFAULT_MAX_CHARS, DEFAULT_PIECE_CHARS, Limits, get_pipeline, process_doc
from .readers import InputDoc
from .writers import dumps

OUTPUT_COLUMNS = ("doc_id", "source", "chars", "error_code", "record")


def docs_to_frame(docs: Iterable[InputDoc]) -> pd.DataFrame:
    rows = [{
        "doc_id": doc.doc_id, "source": doc.source, "text": doc.text,
        "meta": json.dumps(doc.meta, ensure_ascii=False) if doc.meta is not None else None,
        "error_code": doc.error[0] if doc.error else None,
        "error_message": doc.error[1] if doc.error else None,
    } for doc in docs]
    return pd.DataFrame(rows, columns=["doc_id", "source", "text", "meta", "error_code", "error_message"])


def _value(row: dict, name: str):
    value = row.get(name)
    return None if value is None or (isinstance(value, float) and value != value) else value


def frame_to_docs(frame: pd.DataFrame) -> list[InputDoc]:
    docs = []
    for row in frame.to_dict("records"):
        doc_id = str(row["doc_id"])
        code = _value(row, "error_code")
        meta = _value(row, "meta")
        docs.append(InputDoc(
            doc_id=doc_id, source=str(_value(row, "source") or doc_id), text=_value(row, "text"),
            error=(code, _value(row, "error_message") or "") if code else None,
            meta=json.loads(meta) if isinstance(meta, str) else meta,
        ))
    return docs


def empty_output() -> pd.DataFrame:
    """The output's schema, for engines that need it up front (Dask ``meta``)."""
    return pd.DataFrame({"doc_id": pd.Series(dtype=object), "source": pd.Series(dtype=object),
                         "chars": pd.Series(dtype="int64"), "error_code": pd.Series(dtype=object),
                         "record": pd.Series(dtype=object)})


def process_frame(frame: pd.DataFrame, model: str | None = None, *, max_chars: int = DEFAULT_MAX_CHARS,
                  piece_chars: int = DEFAULT_PIECE_CHARS) -> pd.DataFrame:
    """Tag every document of ``frame`` with the pipeline saved at ``model`` (default: the built-in)."""
    nlp = get_pipeline({"path": str(model)} if model else {})
    limits = Limits(max_chars=max_chars, piece_chars=piece_chars)
    records = [process_doc(nlp, doc, limits) for doc in frame_to_docs(frame)]
    if not records:
        return empty_output()
    # object columns: pandas would turn a missing error code into NaN in a string column
    return pd.DataFrame({
        "doc_id": pd.Series([r["doc_id"] for r in records], dtype=object),
        "source": pd.Series([r["source"] for r in records], dtype=object),
        "chars": pd.Series([r["chars"] for r in records], dtype="int64"),
        "error_code": pd.Series([r["error"]["code"] if r["error"] else None for r in records], dtype=object),
        "record": pd.Series([dumps(r) for r in records], dtype=object),
    })
