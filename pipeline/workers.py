"""A pool of worker processes that survives crashes, for ``policy-pipeline run --workers N``.

Each worker loads the pipeline once, then takes one document at a time over a pipe. The parent
knows which document every worker holds, so when a worker dies (killed, segfault, out of memory)
or overruns its time limit, that document is retried once on a fresh worker and then reported
with a coded error, and the run goes on. Messages are msgpack bytes of plain data: nothing is
unpickled from a worker.
"""

from __future__ import annotations

import importlib
import multiprocessing as mp
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from typing import Any

import srsly

from .errors import Errors
from .output import error_record
from .readers import InputDoc

DEFAULT_PROCESSOR = "pipeline.batch:pipeline_processor"
MAX_START_FAILURES = 3  # workers that die while loading, in a row, before the run gives up
CHARS_PER_SECOND_FLOOR = 1000  # the time limit grows by 1 s per 1,000 characters of a document


class WorkerStartError(RuntimeError):
    """The workers cannot load the pipeline; the message carries E042."""


def _send(conn, message: dict[str, Any]) -> None:
    conn.send_bytes(srsly.msgpack_dumps(message))


def _recv(conn) -> dict[str, Any]:
    return srsly.msgpack_loads(conn.recv_bytes())


def _resolve(spec: str) -> Callable:
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


def peak_rss_mb() -> float:
    import resource

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(rss / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def cpu_seconds() -> float:
    """CPU time this process has used (user + system)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return round(usage.ru_utime + usage.ru_stime, 3)


def worker_main(conn, processor: str, load_kwargs: dict[str, Any], settings: dict[str, Any]) -> None:
    """The body of a worker process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    started = time.perf_counter()
    try:
        process = _resolve(processor)(load_kwargs, settings)
    except BaseException as err:  # report why, so the parent can stop with a clear message
        _send(conn, {"fatal": f"{type(err).__name__}: {err}"})
        return
    load_seconds = time.perf_counter() - started
    ready_cpu = cpu_seconds()
    _send(conn, {"ready": load_seconds, "pid": os.getpid()})
    done = 0
    while True:
        try:
            message = _recv(conn)
        except (EOFError, OSError):  # the parent is gone
            return
        if message.get("stop"):
            _send(conn, {"stats": {"pid": os.getpid(), "documents": done, "load_seconds": round(load_seconds, 3),
                                   "peak_rss_mb": peak_rss_mb(), "cpu_seconds": cpu_seconds(),
                                   "work_cpu_seconds": round(cpu_seconds() - ready_cpu, 3)}})
            return
        record = process(InputDoc.from_dict(message["doc"]))
        done += 1
        _send(conn, {"i": message["i"], "record": record})


@dataclass
class _Task:
    index: int
    doc: InputDoc
    crashes: int = 0


@dataclass
class _Worker:
    process: Any
    conn: Any
    ready: bool = False
    task: _Task | None = None
    since: float = 0.0
    deadline: float | None = None


@dataclass
class PoolStats:
    load_seconds: list[float] = field(default_factory=list)
    workers: list[dict[str, Any]] = field(default_factory=list)  # per worker at the end of the run
    crashes: int = 0  # workers that died holding a document
    timeouts: int = 0
    retried: int = 0
    replaced: int = 0  # workers started in place of dead ones


class WorkerPool:
    def __init__(self, size: int, *, load_kwargs: dict[str, Any] | None = None,
                 settings: dict[str, Any] | None = None, processor: str = DEFAULT_PROCESSOR,
                 doc_timeout: float | None = None, retries: int = 1, window: int | None = None,
                 events: Callable[[str], None] | None = None):
        self.size = size
        self.load_kwargs = load_kwargs or {}
        self.settings = settings or {}
        self.processor = processor
        self.doc_timeout = doc_timeout
        self.retries = retries
        # Documents read ahead of the oldest unfinished one: bounds memory when one is slow.
        self.window = window or max(4 * size, 16)
        self.events = events or (lambda message: None)
        self.stats = PoolStats()
        self._ctx = mp.get_context("spawn")  # a clean interpreter: no inherited threads or locks
        self._workers: list[_Worker] = []
        self._start_failures = 0

    # ------------------------------------------------------------------ life cycle

    def __enter__(self) -> WorkerPool:
        self._workers = [self._start() for _ in range(self.size)]
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if exc_type is None:
            self._stop_gently()
        for worker in self._workers:
            self._kill(worker)

    def _start(self) -> _Worker:
        parent, child = self._ctx.Pipe(duplex=True)
        process = self._ctx.Process(target=worker_main, daemon=True,
                                    args=(child, self.processor, self.load_kwargs, self.settings))
        process.start()
        child.close()
        return _Worker(process=process, conn=parent)

    def _stop_gently(self) -> None:
        for worker in self._workers:
            try:
                _send(worker.conn, {"stop": True})
            except OSError:
                continue
        for worker in self._workers:
            try:
                if worker.conn.poll(10):
                    message = _recv(worker.conn)
                    if "stats" in message:
                        self.stats.workers.append(message["stats"])
            except (EOFError, OSError):
                pass
            worker.process.join(5)

    @staticmethod
    def _kill(worker: _Worker) -> None:
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(5)
        worker.conn.close()

    # ------------------------------------------------------------------ the run

    def imap(self, docs: Iterable[InputDoc]) -> Iterator[dict[str, Any]]:
        """Records in input order."""
        source = iter(docs)
        retry: deque[_Task] = deque()
        done: dict[int, dict[str, Any]] = {}
        next_index = next_out = 0
        exhausted = False
        while True:
            for worker in self._workers:
                if not worker.ready or worker.task is not None:
                    continue
                if retry:
                    task = retry.popleft()
                elif not exhausted and next_index - next_out < self.window:
                    doc = next(source, None)
                    if doc is None:
                        exhausted = True
                        continue
                    task = _Task(next_index, doc)
                    next_index += 1
                else:
                    continue
                self._dispatch(worker, task, retry)
            while next_out in done:
                yield done.pop(next_out)
                next_out += 1
            if exhausted and not retry and next_out == next_index and all(w.task is None for w in self._workers):
                return
            self._wait(done, retry)

    def _dispatch(self, worker: _Worker, task: _Task, retry: deque[_Task]) -> None:
        worker.task, worker.since = task, time.monotonic()
        if self.doc_timeout:
            worker.deadline = worker.since + self.doc_timeout + len(task.doc.text or "") / CHARS_PER_SECOND_FLOOR
        try:
            _send(worker.conn, {"i": task.index, "doc": task.doc.as_dict()})
        except OSError:  # it died while idle: the task never started
            worker.task = None
            retry.appendleft(task)

    def _wait(self, done: dict[int, dict], retry: deque[_Task]) -> None:
        deadlines = [w.deadline for w in self._workers if w.task is not None and w.deadline]
        timeout = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
        handles = [w.conn for w in self._workers] + [w.process.sentinel for w in self._workers]
        ready = set(wait(handles, timeout=timeout))
        for position, worker in enumerate(self._workers):
            if worker.conn in ready:
                if not self._receive(worker, done):
                    self._replace(position, done, retry, reason=self._death_reason(worker))
            elif worker.process.sentinel in ready:
                self._replace(position, done, retry, reason=self._death_reason(worker))
            elif worker.task is not None and worker.deadline and time.monotonic() > worker.deadline:
                self._kill(worker)
                self.stats.timeouts += 1
                self._replace(position, done, retry, reason="timeout")

    def _receive(self, worker: _Worker, done: dict[int, dict]) -> bool:
        """Handle one message; False when the worker is gone."""
        try:
            message = _recv(worker.conn)
        except (EOFError, OSError):
            return False
        if "ready" in message:
            worker.ready = True
            self._start_failures = 0
            self.stats.load_seconds.append(round(message["ready"], 3))
        elif "fatal" in message:
            raise WorkerStartError(Errors.E042.format(reason=message["fatal"]))
        elif "i" in message:
            done[message["i"]] = message["record"]
            worker.task = worker.deadline = None
        return True

    @staticmethod
    def _death_reason(worker: _Worker) -> str:
        worker.process.join(5)
        code = worker.process.exitcode
        if code is not None and code < 0:
            try:
                return f"killed by signal {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exit code {code}"

    def _replace(self, position: int, done: dict[int, dict], retry: deque[_Task], *, reason: str) -> None:
        worker = self._workers[position]
        # Results it sent before dying are still in the pipe.
        try:
            while worker.conn.poll(0):
                if not self._receive(worker, done):
                    break
        except OSError:
            pass
        if not worker.ready:
            self._start_failures += 1
            if self._start_failures >= MAX_START_FAILURES:
                raise WorkerStartError(Errors.E042.format(reason=f"worker processes died while loading ({reason})"))
        task = worker.task
        if task is not None:
            task.crashes += 1
            self.stats.crashes += reason != "timeout"
            if task.crashes > self.retries:
                done[task.index] = self._failed(task, reason)
            else:
                self.stats.retried += 1
                retry.appendleft(task)
            self.events(f"worker {worker.process.pid} stopped ({reason}) on {task.doc.source}; "
                        + ("retrying it" if task.crashes <= self.retries else "reported as an error"))
        self._kill(worker)
        self._workers[position] = self._start()
        self.stats.replaced += 1

    def _failed(self, task: _Task, reason: str) -> dict[str, Any]:
        doc = task.doc
        if reason == "timeout":
            seconds = (self.doc_timeout or 0) + len(doc.text or "") / CHARS_PER_SECOND_FLOOR
            code, message = "E039", Errors.E039.format(seconds=seconds)
        else:
            code, message = "E038", Errors.E038.format(reason=reason)
        return error_record(doc_id=doc.doc_id, source=doc.source, code=code, message=message,
                            chars=len(doc.text or ""))
