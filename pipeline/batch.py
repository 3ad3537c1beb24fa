"""Texts in, records out: in this process or in a pool of worker processes.

Workers load the pipeline once and send back plain records (never spaCy objects), which is far
cheaper than spaCy's own ``n_process`` for a light pipeline. Every document is parsed inside
``nlp.memory_zone()``, so strings interned for it are freed and memory stays flat over a long run.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from .errors import Errors, Warnings
from .limits import DEFAULT_MAX_CHARS, DEFAULT_PIECE_CHARS, Limits
from .output import error_record, to_record
from .readers import InputDoc, ReadOptions, read_inputs

__all__ = ["DEFAULT_MAX_CHARS", "DEFAULT_PIECE_CHARS", "Limits", "get_pipeline", "iter_pieces", "process_doc",
           "process_docs", "process_paths"]

_PIPELINES: dict[str, Any] = {}


def get_pipeline(load_kwargs: dict[str, Any] | None = None):
    """The pipeline for these load arguments, loaded once per process."""
    from .language import load

    key = json.dumps(load_kwargs or {}, sort_keys=True)
    if key not in _PIPELINES:
        _PIPELINES[key] = load(**(load_kwargs or {}))
    return _PIPELINES[key]


def iter_pieces(text: str, size: int) -> Iterator[tuple[int, int]]:
    """[start, end) pieces of at most ``size`` characters, cut at a line break when there is one
    in the second half of the window (units never cross lines, so they stay whole), else at a
    pause (the same rule as the segmenter's bounded chunks)."""
    from .units import iter_chunks

    start, end = 0, len(text)
    while end - start > size:
        cut = text.rfind("\n", start + size // 2, start + size)
        cut = cut + 1 if cut >= 0 else next(iter_chunks(text, start, end, size))[1]
        yield start, cut
        start = cut
    if start < end:
        yield start, end


def process_doc(nlp, doc: InputDoc, limits: Limits | None = None) -> dict[str, Any]:
    """One document to its record; never raises."""
    limits = limits or Limits()
    if doc.error:
        code, message = doc.error
        return error_record(doc_id=doc.doc_id, source=doc.source, code=code, message=message)
    text = doc.text or ""
    if len(text) > limits.max_chars:
        message = Errors.E037.format(chars=len(text), limit=limits.max_chars, piece=limits.piece_chars)
        return error_record(doc_id=doc.doc_id, source=doc.source, code="E037", message=message, chars=len(text))
    meta = json.loads(json.dumps(doc.meta)) if doc.meta else {}  # a copy: a retry starts clean
    warnings = meta.setdefault("warnings", [])
    if not text.strip():
        warnings.append({"code": "W002", "message": Warnings.W002.format(doc_id=doc.doc_id)})
    try:
        if len(text) <= limits.piece_chars:
            with nlp.memory_zone():
                record = to_record(nlp(text), doc_id=doc.doc_id, source=doc.source, extra_meta=meta)
        else:
            record = _process_in_pieces(nlp, doc, text, meta, limits)
    except Exception as err:  # one bad document must not stop a run of thousands
        return error_record(doc_id=doc.doc_id, source=doc.source, code="E013",
                            message=Errors.E013.format(reason=f"{type(err).__name__}: {err}"), chars=len(text))
    if not record["meta"].get("warnings"):
        record["meta"].pop("warnings", None)
    return record


def _process_in_pieces(nlp, doc: InputDoc, text: str, meta: dict, limits: Limits) -> dict[str, Any]:
    pieces = list(iter_pieces(text, limits.piece_chars))
    meta["warnings"].append({"code": "W012", "message": Warnings.W012.format(
        chars=len(text), pieces=len(pieces), piece=limits.piece_chars)})
    record: dict[str, Any] | None = None
    for start, end in pieces:
        with nlp.memory_zone():
            part = to_record(nlp(text[start:end]), doc_id=doc.doc_id, source=doc.source, extra_meta=meta)
        for item in (*part["sentences"], *part["entities"]):
            item["start"] += start
            item["end"] += start
        if record is None:
            record = part  # the first piece holds the title block, so its meta is the document's
        else:
            record["sentences"].extend(part["sentences"])
            record["entities"].extend(part["entities"])
    assert record is not None
    record["chars"] = len(text)
    return record


def pipeline_processor(load_kwargs: dict[str, Any], settings: dict[str, Any]) -> Callable[[InputDoc], dict]:
    """What a worker process runs: the pipeline, loaded once, applied to one document at a time."""
    nlp = get_pipeline(load_kwargs)
    limits = Limits(**settings.get("limits", {}))
    return lambda doc: process_doc(nlp, doc, limits)


def process_docs(docs: Iterable[InputDoc], *, workers: int = 1, load_kwargs: dict | None = None, nlp=None,
                 limits: Limits | None = None, doc_timeout: float | None = None, pool_events=None) -> Iterator[dict]:
    """Records in input order. ``workers > 1`` runs a pool of processes (pipeline.workers)."""
    load_kwargs = load_kwargs or {}
    limits = limits or Limits()
    if workers <= 1:
        nlp = nlp if nlp is not None else get_pipeline(load_kwargs)
        for doc in docs:
            yield process_doc(nlp, doc, limits)
        return
    from .workers import WorkerPool

    with WorkerPool(workers, load_kwargs=load_kwargs, settings={"limits": limits.as_dict()},
                    doc_timeout=doc_timeout, events=pool_events) as pool:
        yield from pool.imap(docs)


def process_paths(paths: Iterable[str | Path], *, workers: int = 1, load_kwargs: dict | None = None, nlp=None,
                  options: ReadOptions | None = None) -> Iterator[dict[str, Any]]:
    """Records in input order, for every document of the given files."""
    docs = read_inputs((Path(p) for p in paths), options)
    yield from process_docs(docs, workers=workers, load_kwargs=load_kwargs, nlp=nlp)
