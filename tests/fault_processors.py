"""Document processors for pipeline.workers.WorkerPool that fail on purpose.

They stand in for the pipeline in fault-injection tests (a crash in a native library, a document
that never finishes) and are imported by the worker processes, so they live in a module of their
own, without the pipeline: a worker starts in about a second.
"""

import os
import signal
import time

CRASH = "💥"
HANG = "⏳"


def _record(doc):
    return {"doc_id": doc.doc_id, "source": doc.source, "chars": len(doc.text or ""), "meta": {"pid": os.getpid()},
            "sentences": [], "entities": [], "error": None}


def crash_on_marker(load_kwargs, settings):
    """Dies like a segfault in a native library when the text holds CRASH."""

    def process(doc):
        if CRASH in (doc.text or ""):
            os.kill(os.getpid(), signal.SIGKILL)
        return _record(doc)

    return process


def hang_on_marker(load_kwargs, settings):
    """Never finishes a text that holds HANG."""

    def process(doc):
        if HANG in (doc.text or ""):
            time.sleep(3600)
        return _record(doc)

    return process


def fail_to_load(load_kwargs, settings):
    raise OSError("[E014] The pipeline at /nowhere could not be loaded: no such directory.")
