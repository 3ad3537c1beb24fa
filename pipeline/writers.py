"""Writing records so that an interrupted run loses nothing and a resume trusts nothing broken.

JSONL: records are appended, in input order, to ``OUT.part``, one ``write`` and flush per line;
the rename to ``OUT`` when the run completes is the completion marker. A resume keeps the longest
prefix of whole, parseable lines whose sources match the inputs, and cuts the file there.

Folder: each ``OUT/<doc_id>.json`` is written to a temporary name and renamed, so a file that
exists is complete. A state file (``OUT.part.state.json`` / ``OUT/.run-state.json``) holds a
fingerprint of the run's inputs and options; only a run with the same fingerprint resumes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .errors import Warnings
from .readers import InputDoc

STATE_VERSION = 1
_FSYNC_SECONDS = 5.0
_UNSAFE = re.compile(r'[\x00-\x1f/\\:*?"<>|]')
_MAX_NAME_BYTES = 200


def dumps(record: dict[str, Any]) -> str:
    """The one JSON form of a record (JSONL line, folder file, Dask and Spark partitions)."""
    return json.dumps(record, ensure_ascii=False)


def write_atomic(path: Path, text: str) -> None:
    """Write to a temporary file next to ``path`` and rename: readers never see half a file."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def fingerprint(inputs: Iterable[str | Path], options: dict[str, Any]) -> str:
    """Identifies a run: the same inputs (path, size, mtime) and options give the same value."""
    digest = hashlib.sha256()
    for item in inputs:
        path = Path(item)
        try:
            stat = path.stat()
            facts = [str(path.resolve()), stat.st_size, stat.st_mtime_ns]
        except OSError:
            facts = [str(path.absolute()), None, None]
        digest.update(json.dumps(facts).encode())
    digest.update(json.dumps(options, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def safe_name(doc_id: str) -> str:
    """A file name for a doc_id: no path separators, no leading dot, not too long.

    An id that had to change gets a short hash, so two ids never map to one name.
    """
    name = _UNSAFE.sub("_", doc_id).strip().lstrip(".") or "_"
    if name == doc_id and len(name.encode("utf-8")) <= _MAX_NAME_BYTES:
        return name
    short = name.encode("utf-8")[: _MAX_NAME_BYTES - 9].decode("utf-8", errors="ignore")
    return f"{short}-{hashlib.sha1(doc_id.encode()).hexdigest()[:8]}"


class _Sink:
    """What a run writes into: ``finished(doc)`` for resume, ``write(record)``, ``close()``."""

    def __init__(self, fingerprint: str, *, resume: bool = True):
        self.fingerprint = fingerprint
        self.resume = resume
        self.resumed = 0
        self.notes: list[str] = []

    def _state(self) -> dict[str, Any]:
        return {"version": STATE_VERSION, "fingerprint": self.fingerprint, "started": time.time()}

    def _state_matches(self, path: Path) -> bool:
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return state.get("version") == STATE_VERSION and state.get("fingerprint") == self.fingerprint


class JsonlSink(_Sink):
    def __init__(self, path: Path, fingerprint: str, *, resume: bool = True):
        super().__init__(fingerprint, resume=resume)
        self.path = path
        self.part = path.with_name(path.name + ".part")
        self.state_path = path.with_name(path.name + ".part.state.json")
        self._done: list[tuple[str, str, int, int]] = []  # doc_id, source, offset, length
        self._position = 0
        self._reader = None
        self._writer = None
        self._last_sync = time.monotonic()

    def open(self) -> JsonlSink:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.part.exists():
            if self.resume and self._state_matches(self.state_path):
                self._scan()
            else:
                self.notes.append(Warnings.W015.format(path=self.part))
                self.part.unlink()
        write_atomic(self.state_path, json.dumps(self._state()))
        if self._done:
            self.notes.append(Warnings.W017.format(done=len(self._done), path=self.part))
            self._reader = open(self.part, "rb")
        return self

    def _scan(self) -> None:
        """Index the whole lines of a partial output; cut off a torn or unparseable tail."""
        offset = 0
        with open(self.part, "rb") as handle:
            for raw in handle:
                if not raw.endswith(b"\n"):
                    break
                try:
                    record = json.loads(raw)
                    doc_id, source = record["doc_id"], record["source"]
                except (ValueError, KeyError, TypeError):
                    break
                self._done.append((doc_id, source, offset, len(raw)))
                offset += len(raw)
        self._truncate(offset)

    def _truncate(self, offset: int) -> None:
        with open(self.part, "r+b") as handle:
            handle.truncate(offset)

    def finished(self, doc: InputDoc) -> dict[str, Any] | None:
        """The record of ``doc`` from an interrupted run, if it is the next one there."""
        if self._position >= len(self._done):
            return None
        doc_id, source, offset, length = self._done[self._position]
        if (doc_id, source) != (doc.doc_id, doc.source):
            # The inputs changed under the partial output: keep what matched, redo the rest.
            self._drop_rest()
            return None
        self._reader.seek(offset)
        record = json.loads(self._reader.read(length))
        self._position += 1
        self.resumed += 1
        return record

    def _drop_rest(self) -> None:
        if self._position < len(self._done):
            self._truncate(self._done[self._position][2])
            del self._done[self._position:]

    def write(self, record: dict[str, Any]) -> None:
        if self._writer is None:
            self._drop_rest()
            self._writer = open(self.part, "a", encoding="utf-8")
        self._writer.write(dumps(record) + "\n")
        self._writer.flush()
        if time.monotonic() - self._last_sync > _FSYNC_SECONDS:
            os.fsync(self._writer.fileno())
            self._last_sync = time.monotonic()

    def close(self) -> None:
        """The run completed: make ``OUT`` appear whole, in one rename."""
        self._drop_rest()
        if self._writer is None:
            self._writer = open(self.part, "a", encoding="utf-8")
        self._writer.flush()
        os.fsync(self._writer.fileno())
        self._writer.close()
        if self._reader:
            self._reader.close()
        os.replace(self.part, self.path)
        self.state_path.unlink(missing_ok=True)

    def abort(self) -> None:
        """Interrupted: leave the partial output and its state for a resume."""
        for handle in (self._writer, self._reader):
            if handle:
                handle.close()

    def records(self) -> Iterator[dict[str, Any]]:
        with open(self.path, encoding="utf-8") as handle:
            for line in handle:
                yield json.loads(line)

    @property
    def location(self) -> Path:
        return self.part


class FolderSink(_Sink):
    def __init__(self, folder: Path, fingerprint: str, *, resume: bool = True, avoid: Iterable[Path] = ()):
        super().__init__(fingerprint, resume=resume)
        self.folder = folder
        self.state_path = folder / ".run-state.json"
        self._avoid = {Path(p).resolve() for p in avoid}  # input files: never written over
        self._used: set[str] = set()
        self._names: deque[str] = deque()
        self.written: list[str] = []
        self._resuming = False

    def open(self) -> FolderSink:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._resuming = self.resume and self._state_matches(self.state_path)
        if self.state_path.exists() and not self._resuming:
            self.notes.append(Warnings.W015.format(path=self.folder))
        write_atomic(self.state_path, json.dumps(self._state()))
        return self

    def _name_for(self, doc_id: str) -> str:
        name = safe_name(doc_id)
        while name in self._used or (self.folder / f"{name}.json").resolve() in self._avoid \
                or name in ("summary", ".run-state"):
            name += "_"
        self._used.add(name)
        return name

    def finished(self, doc: InputDoc) -> dict[str, Any] | None:
        name = self._name_for(doc.doc_id)
        if self._resuming:
            try:
                record = json.loads((self.folder / f"{name}.json").read_text(encoding="utf-8"))
                if (record["doc_id"], record["source"]) == (doc.doc_id, doc.source):
                    self.resumed += 1
                    self.written.append(name)
                    return record
            except (OSError, ValueError, KeyError, TypeError):
                pass
        self._names.append(name)
        return None

    def write(self, record: dict[str, Any]) -> None:
        name = self._names.popleft() if self._names else self._name_for(record["doc_id"])
        write_atomic(self.folder / f"{name}.json", dumps(record) + "\n")
        self.written.append(name)

    def close(self) -> None:
        self.state_path.unlink(missing_ok=True)

    def abort(self) -> None:
        pass

    def records(self) -> Iterator[dict[str, Any]]:
        for name in self.written:
            yield json.loads((self.folder / f"{name}.json").read_text(encoding="utf-8"))

    @property
    def location(self) -> Path:
        return self.folder


def open_sink(output: Path, fingerprint: str, *, resume: bool = True, avoid: Iterable[Path] = ()) -> JsonlSink | FolderSink:
    if output.suffix.lower() == ".jsonl":
        return JsonlSink(output, fingerprint, resume=resume).open()
    return FolderSink(output, fingerprint, resume=resume, avoid=avoid).open()


def summary_path(output: Path) -> Path:
    return output.with_suffix(".summary.json") if output.suffix.lower() == ".jsonl" else output / "summary.json"


def planned_files(output: Path) -> list[Path]:
    """Every file a run with this output writes besides the per-document files."""
    if output.suffix.lower() == ".jsonl":
        return [output, output.with_name(output.name + ".part"),
                output.with_name(output.name + ".part.state.json"), summary_path(output)]
    return [summary_path(output), output / ".run-state.json"]
