"""Texts in, records out: in this process or in a pool of worker processes.

Workers load the pipeline once and send back plain records (never spaCy objects), which is far
cheaper than spaCy's own ``n_process`` for a light pipeline.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Iterable, Iterator
from typing import Any

from .errors import Errors
from .output import error_record, to_record
from .readers import InputDoc, read_document

_NLP = None
_LOAD_KWARGS: dict[str, Any] = {}


def _init_worker(load_kwargs: dict[str, Any]) -> None:
    global _NLP
    from .language import load

    _NLP = load(**load_kwargs)


def process_one(nlp, doc: InputDoc) -> dict[str, Any]:
    if doc.error:
        code, message = doc.error
        return error_record(doc_id=doc.doc_id, source=doc.source, code=code, message=message)
    try:
        with nlp.memory_zone():
            parsed = nlp(doc.text)
            return to_record(parsed, doc_id=doc.doc_id, source=doc.source, extra_meta=doc.meta)
    except Exception as err:  # one bad document must not stop a run of thousands
        return error_record(
            doc_id=doc.doc_id,
            source=doc.source,
            code="E013",
            message=Errors.E013.format(reason=f"{type(err).__name__}: {err}"),
            chars=len(doc.text or ""),
        )


def _work(path: str) -> dict[str, Any]:
    from pathlib import Path

    return process_one(_NLP, read_document(Path(path)))


def process_paths(paths: Iterable[str], *, workers: int = 1, load_kwargs: dict | None = None,
                  nlp=None) -> Iterator[dict[str, Any]]:
    """Records in input order."""
    from pathlib import Path

    load_kwargs = load_kwargs or {}
    if workers <= 1:
        if nlp is None:
            from .language import load

            nlp = load(**load_kwargs)
        for path in paths:
            yield process_one(nlp, read_document(Path(path)))
        return
    ctx = mp.get_context("forkserver" if os.name == "posix" else "spawn")
    with ctx.Pool(workers, initializer=_init_worker, initargs=(load_kwargs,)) as pool:
        yield from pool.imap(_work, [str(p) for p in paths], chunksize=1)
