"""``policy-pipeline run --engine dask``: dask.distributed, on a LocalCluster or a given scheduler.

The driver reads the inputs (same readers, same resume and output files as the local path) and
submits DataFrame partitions of documents; the workers run pipeline.frames.process_frame on them.
The task graph carries a path, never the pipeline: a worker plugin loads the pipeline once per
worker from a saved pipeline directory when the worker starts (and again on a worker that replaces
a dead one). A partition whose worker dies twice is split into single documents; a document whose
worker dies twice gets E038.

For data already in Dask, ``tag_dataframe`` maps the same function over a dask DataFrame, e.g.
``dd.read_parquet(...)`` in and ``.to_parquet(...)`` out.
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from ..batch import Limits, get_pipeline
from ..errors import Errors
from ..frames import docs_to_frame, empty_output, process_frame
from ..output import error_record
from ..readers import InputDoc

PARTITION_DOCS = 64
PARTITION_CHARS = 50_000  # ~2-3 s of work a partition: small enough to balance two workers
_RETRIES = 1

try:  # the plugin base class only exists with the optional dependency
    from distributed import WorkerPlugin as _PluginBase
except ImportError:  # pragma: no cover - the engine reports E041 before using it
    _PluginBase = object


class PipelineLoader(_PluginBase):
    """Loads the pipeline from ``model`` once, when a worker starts."""

    name = "policy-pipeline-loader"

    def __init__(self, model: str):
        self.model = model

    def setup(self, worker) -> None:
        from ..workers import cpu_seconds

        started = time.perf_counter()
        get_pipeline({"path": self.model})
        worker.policy_pipeline_load_seconds = round(time.perf_counter() - started, 3)
        worker.policy_pipeline_ready_cpu = cpu_seconds()


def _worker_facts(dask_worker=None) -> dict[str, Any]:
    from ..workers import cpu_seconds, peak_rss_mb

    ready = getattr(dask_worker, "policy_pipeline_ready_cpu", 0.0)
    return {"load_seconds": getattr(dask_worker, "policy_pipeline_load_seconds", None),
            "peak_rss_mb": peak_rss_mb(), "cpu_seconds": cpu_seconds(),
            "work_cpu_seconds": round(cpu_seconds() - ready, 3)}


def partitions(docs: Iterable[InputDoc], *, max_docs: int = PARTITION_DOCS,
               max_chars: int = PARTITION_CHARS) -> Iterator[list[InputDoc]]:
    batch: list[InputDoc] = []
    chars = 0
    for doc in docs:
        batch.append(doc)
        chars += len(doc.text or "")
        if len(batch) >= max_docs or chars >= max_chars:
            yield batch
            batch, chars = [], 0
    if batch:
        yield batch


class DaskEngine:
    def __init__(self, *, model: Path | None, scheduler: str | None = None, workers: int = 2,
                 limits: Limits | None = None, events: Callable[[str], None] | None = None):
        try:
            import distributed  # noqa: F401
        except ImportError as err:
            raise RuntimeError(Errors.E041.format(reason=err)) from None
        if scheduler and not model:
            raise ValueError(Errors.E040)
        self.model = model
        self.scheduler = scheduler
        self.n_workers = workers
        self.limits = limits or Limits()
        self.events = events or (lambda message: None)
        self.client = None
        self.cluster = None
        self._tmp: tempfile.TemporaryDirectory | None = None
        self.stats: dict[str, Any] = {}

    def __enter__(self) -> DaskEngine:
        import dask
        from distributed import Client, LocalCluster

        model = self.model
        if model is None:
            # Workers load from a directory; without --model, save the built-in pipeline once.
            self._tmp = tempfile.TemporaryDirectory(prefix="policy-pipeline-")
            model = Path(self._tmp.name) / "pipeline"
            get_pipeline({}).to_disk(model)
        self.model_path = str(Path(model).resolve())
        dask.config.set({"distributed.scheduler.allowed-failures": _RETRIES})
        if self.scheduler:
            try:
                self.client = Client(self.scheduler, timeout="20s")
            except (OSError, TimeoutError) as err:
                raise ConnectionError(Errors.E046.format(address=self.scheduler, reason=err)) from None
        else:
            self.cluster = LocalCluster(n_workers=self.n_workers, threads_per_worker=1, processes=True,
                                        dashboard_address=None, silence_logs=logging.ERROR)
            self.client = Client(self.cluster)
        started = time.perf_counter()
        self.client.register_plugin(PipelineLoader(self.model_path))
        self.stats["workers_ready_seconds"] = round(time.perf_counter() - started, 3)
        return self

    def __exit__(self, exc_type, *exc) -> None:
        try:
            if exc_type is None and self.client is not None:
                self.stats["workers"] = list(self.client.run(_worker_facts).values())
        finally:
            if self.client is not None:
                self.client.close()
            if self.cluster is not None:
                self.cluster.close()
            if self._tmp is not None:
                self._tmp.cleanup()

    def _submit(self, docs: list[InputDoc]):
        return self.client.submit(process_frame, docs_to_frame(docs), self.model_path,
                                  max_chars=self.limits.max_chars, piece_chars=self.limits.piece_chars, pure=False)

    def records(self, docs: Iterable[InputDoc]) -> Iterator[dict[str, Any]]:
        """Records in input order; a bounded number of partitions in flight."""
        from distributed import KilledWorker

        window = 2 * max(1, len(self.client.scheduler_info().get("workers", {})) or self.n_workers) + 2
        inflight: deque[tuple[list[InputDoc], Any]] = deque()
        parts = partitions(docs)
        exhausted = False
        while True:
            while not exhausted and len(inflight) < window:
                batch = next(parts, None)
                if batch is None:
                    exhausted = True
                else:
                    inflight.append((batch, self._submit(batch)))
            if not inflight:
                return
            batch, future = inflight.popleft()
            try:
                frame = future.result()
            except KilledWorker as err:
                yield from self._one_by_one(batch, err)
                continue
            for line in frame["record"]:
                yield json.loads(line)

    def _one_by_one(self, batch: list[InputDoc], err: Exception) -> Iterator[dict[str, Any]]:
        from distributed import KilledWorker

        if len(batch) == 1:
            yield self._failed(batch[0], err)
            return
        self.events(f"a Dask worker died twice on a partition of {len(batch)} documents; retrying them one by one")
        futures = [self._submit([doc]) for doc in batch]
        for doc, future in zip(batch, futures, strict=True):
            try:
                yield json.loads(future.result()["record"].iloc[0])
            except KilledWorker as killed:
                yield self._failed(doc, killed)

    @staticmethod
    def _failed(doc: InputDoc, err: Exception) -> dict[str, Any]:
        return error_record(doc_id=doc.doc_id, source=doc.source, code="E038",
                            message=Errors.E038.format(reason=f"Dask: {err}"), chars=len(doc.text or ""))


def tag_dataframe(ddf, model: str | Path, *, limits: Limits | None = None):
    """A dask DataFrame of documents (doc_id, text, …) to a dask DataFrame of records."""
    limits = limits or Limits()
    return ddf.map_partitions(process_frame, str(model), max_chars=limits.max_chars,
                              piece_chars=limits.piece_chars, meta=empty_output())
