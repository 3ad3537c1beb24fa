"""One ``policy-pipeline run``: check the arguments, read, tag, write, resume, summarise.

The command line (pipeline/cli.py) only parses options; everything a run does is here, so it can
be called from Python too (``execute(RunOptions(...))``).
"""

from __future__ import annotations

import json
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .batch import Limits, get_pipeline, process_docs
from .errors import Errors
from .readers import InputDoc, ReadOptions, count_documents, iter_paths, read_inputs
from .summary import RunSummary
from .writers import fingerprint, open_sink, planned_files, summary_path, write_atomic

EXIT_OK, EXIT_DOC_ERRORS, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
ENGINES = ("local", "dask")


class UsageError(Exception):
    """Bad arguments or configuration: exit code 2, nothing was processed."""


class Interrupted(BaseException):
    """Ctrl-C or SIGTERM: the partial output is kept for a resume. A BaseException, like
    KeyboardInterrupt, so the per-document ``except Exception`` that turns a bad document into an
    error record does not swallow it and carry on."""


@dataclass
class RunOptions:
    inputs: list[Path]
    output: Path
    parquet: Path | None = None
    workers: int = 1
    engine: str = "local"
    scheduler: str | None = None
    model: Path | None = None
    read: ReadOptions = field(default_factory=ReadOptions)
    limits: Limits = field(default_factory=Limits)
    doc_timeout: float | None = 120.0
    resume: bool = True
    allow_output_in_input: bool = False
    progress: bool = True


@dataclass
class RunResult:
    summary: dict[str, Any]  # what *.summary.json holds
    rendered: str  # the summary for the terminal ("" when interrupted)
    exit_code: int


class BatchSummary(RunSummary):
    """The run summary plus warnings, resumed documents and how the run was executed."""

    def __init__(self) -> None:
        super().__init__()
        self.warnings: Counter[str] = Counter()
        self.resumed = 0
        self.new_documents = 0
        self.new_characters = 0
        self.extra: dict[str, Any] = {}

    def add(self, record: dict[str, Any], *, resumed: bool = False) -> None:
        super().add(record)
        self.warnings.update(w["code"] for w in record["meta"].get("warnings", ()))
        if resumed:
            self.resumed += 1
        else:
            self.new_documents += 1
            self.new_characters += record["chars"]

    def as_dict(self, seconds: float) -> dict[str, Any]:
        data = super().as_dict(seconds)
        # Throughput counts the work of this run, not documents finished by an interrupted one.
        data["chars_per_second"] = round(self.new_characters / seconds, 1) if seconds else None
        data["documents_per_second"] = round(self.new_documents / seconds, 3) if seconds else None
        data["warnings"] = dict(sorted(self.warnings.items()))
        data["resumed_documents"] = self.resumed
        data.update(self.extra)
        return data

    def render(self, seconds: float, *, show: int = 12) -> str:
        text = super().render(seconds, show=show)
        lines = []
        if self.errors:
            lines.append("Errors by code: " + ", ".join(f"{c} {n}" for c, n in sorted(self.errors.items())))
        if self.warnings:
            lines.append("Warnings by code: " + ", ".join(f"{c} {n}" for c, n in sorted(self.warnings.items())))
        if self.resumed:
            lines.append(f"Resumed: {self.resumed} documents were finished by an interrupted run")
        return text + ("\n\n" + "\n".join(lines) if lines else "")


def check(options: RunOptions) -> list[Path]:
    """The input paths; UsageError for anything that would make the run wrong or unsafe."""
    if options.engine not in ENGINES:
        raise UsageError(Errors.E047.format(reason=f"--engine must be one of {', '.join(ENGINES)}"))
    if options.scheduler and options.engine != "dask":
        raise UsageError(Errors.E047.format(reason="--scheduler needs --engine dask"))
    if options.engine == "dask" and options.scheduler and not options.model:
        raise UsageError(Errors.E040)
    if options.workers < 1:
        raise UsageError(Errors.E047.format(reason="--workers must be at least 1"))
    if options.limits.max_chars < 1 or options.limits.piece_chars < 1000:
        raise UsageError(Errors.E047.format(reason="--max-chars must be positive and pieces at least 1000 characters"))
    output = options.output
    own = planned_files(output) + ([options.parquet / f"{n}.parquet" for n in ("documents", "sentences", "entities")]
                                   if options.parquet else [])
    if output.suffix.lower() != ".jsonl" and output.is_file():
        raise UsageError(Errors.E034.format(output=output, path=output))
    own_resolved = {p.resolve(): p for p in own}
    for item in options.inputs:
        if item.resolve() in own_resolved:
            raise UsageError(Errors.E034.format(output=own_resolved[item.resolve()], path=item))
    if not options.allow_output_in_input:
        for item in options.inputs:
            for out in filter(None, (output, options.parquet)):
                resolved = out.resolve()
                if item.is_dir() and item.resolve() in (resolved, *resolved.parents):
                    raise UsageError(Errors.E011.format(path=out))
    elif not summary_path(output).exists():
        # Inside an input folder, an existing .jsonl/.parquet at an output path is ours only if the
        # run that wrote it completed (its summary exists); anything else is an input.
        for out in own:
            if out.is_file() and out.suffix.lower() in (".jsonl", ".parquet"):
                raise UsageError(Errors.E034.format(output=out, path=out))
    try:
        paths = list(iter_paths(options.inputs, exclude=own))
    except FileNotFoundError as err:
        raise UsageError(str(err)) from None
    if not paths:
        raise UsageError(Errors.E044.format(paths=", ".join(map(str, options.inputs))))
    return paths


def _fingerprint(paths: list[Path], options: RunOptions) -> str:
    from . import __version__

    settings = {"version": __version__, "model": str(options.model.resolve()) if options.model else None,
                "read": vars(options.read), "limits": options.limits.as_dict()}
    return fingerprint(paths, settings)


def execute(options: RunOptions, *, echo: Callable[[str], None] = print) -> RunResult:
    """Run; UsageError for bad arguments."""
    paths = check(options)
    load_kwargs = {"path": str(options.model)} if options.model else {}
    nlp = None
    if options.engine == "local" and options.workers == 1:
        try:  # load before touching the output: a bad --model is a usage error, not a failed run
            nlp = get_pipeline(load_kwargs)
        except (OSError, ValueError) as err:
            raise UsageError(str(err)) from None
    sink = open_sink(options.output, _fingerprint(paths, options), resume=options.resume, avoid=paths)
    for note in sink.notes:
        echo(note)
    summary = BatchSummary()
    summary.extra.update({"engine": options.engine, "workers": options.workers})
    started = time.perf_counter()
    # The handler also leaves a flag: a raise that lands in a finaliser (__del__, a weakref
    # callback) is printed and dropped by Python, and the flag still stops the run before the
    # next record is written.
    stop: list[str] = []

    def interrupt(signum, frame) -> None:
        stop.append(signal.Signals(signum).name)
        raise Interrupted(stop[-1])

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    progress = _progress(paths, options)
    try:
        docs = _skip_finished(read_inputs(paths, options.read), sink, summary, progress)
        for record in _records(docs, options, nlp=nlp, load_kwargs=load_kwargs, summary=summary, echo=echo):
            if stop:
                raise Interrupted(stop[0])
            sink.write(record)
            summary.add(record)
            _tick(progress, summary, started)
    except (KeyboardInterrupt, Interrupted):
        sink.abort()
        progress.close()
        echo(Errors.E045.format(done=summary.documents, partial=sink.location))
        return RunResult(summary.as_dict(time.perf_counter() - started), "", EXIT_INTERRUPTED)
    except Exception:
        sink.abort()
        progress.close()
        raise
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    progress.close()
    sink.close()
    outputs = {"output": str(options.output)}
    if options.parquet:
        from .tables import write_parquet

        files = write_parquet(sink.records(), options.parquet)
        outputs["parquet"] = {name: str(path) for name, path in files.items()}
    seconds = time.perf_counter() - started
    summary.extra["outputs"] = outputs
    data = summary.as_dict(seconds)
    write_atomic(summary_path(options.output), json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    return RunResult(data, summary.render(seconds), EXIT_DOC_ERRORS if summary.errors else EXIT_OK)


def _skip_finished(docs: Iterable[InputDoc], sink, summary: BatchSummary, progress) -> Iterator[InputDoc]:
    for doc in docs:
        record = sink.finished(doc)
        if record is None:
            yield doc
        else:
            summary.add(record, resumed=True)
            progress.update(1)


def _records(docs: Iterable[InputDoc], options: RunOptions, *, nlp, load_kwargs: dict, summary: BatchSummary,
             echo: Callable[[str], None]) -> Iterator[dict[str, Any]]:
    from tqdm import tqdm

    def event(message: str) -> None:
        tqdm.write(message, file=sys.stderr)

    if options.engine == "dask":
        from .engines.dask import DaskEngine

        try:
            engine = DaskEngine(model=options.model, scheduler=options.scheduler, workers=options.workers,
                                limits=options.limits, events=event)
        except (RuntimeError, ValueError) as err:
            raise UsageError(str(err)) from None
        try:
            with engine:
                yield from engine.records(docs)
        except ConnectionError as err:
            raise UsageError(str(err)) from None
        summary.extra["dask"] = engine.stats
        return
    if options.workers == 1:
        yield from process_docs(docs, nlp=nlp, limits=options.limits)
        return
    from .workers import WorkerPool, WorkerStartError

    pool = WorkerPool(options.workers, load_kwargs=load_kwargs, settings={"limits": options.limits.as_dict()},
                      doc_timeout=options.doc_timeout, events=event)
    try:
        with pool:
            yield from pool.imap(docs)
    except WorkerStartError as err:
        raise UsageError(str(err)) from None
    summary.extra["pool"] = {"load_seconds": pool.stats.load_seconds, "workers": pool.stats.workers,
                             "crashes": pool.stats.crashes, "timeouts": pool.stats.timeouts,
                             "retried": pool.stats.retried, "replaced": pool.stats.replaced}


def _progress(paths: list[Path], options: RunOptions):
    """Documents, chars/s and ETA on a terminal; nothing when stderr is not one."""
    from tqdm import tqdm

    show = options.progress and sys.stderr.isatty()
    total = count_documents(paths) if show else None
    return tqdm(total=total, unit="doc", disable=not show, file=sys.stderr, dynamic_ncols=True)


def _tick(progress, summary: BatchSummary, started: float) -> None:
    progress.update(1)
    if not progress.disable:
        elapsed = time.perf_counter() - started
        progress.set_postfix_str(f"{summary.new_characters / elapsed:,.0f} chars/s" if elapsed else "", refresh=False)
