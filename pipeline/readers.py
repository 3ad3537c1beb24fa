"""Finding input documents and reading them.

A document is a text file (.txt), a web page (.html/.htm: its article body), or one row of a
.jsonl, .csv or .parquet file or of a Hugging Face dataset saved with ``save_to_disk``. Readers
never raise for a bad document: it comes out with a coded ``error`` and the run goes on.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .decoding import UndecodableError, best_legacy_encoding, decode_bytes, looks_traditional
from .errors import Errors, Warnings

TEXT_SUFFIXES = (".txt",)
FILE_KINDS = {
    ".txt": "text", ".html": "html", ".htm": "html", ".jsonl": "jsonl", ".csv": "csv",
    ".parquet": "parquet",
}
ID_COLUMNS = ("doc_id", "id")  # tried in order when --id-column is not given
_BATCH_ROWS = 256
_DETECT_BYTES = 256 * 1024


@dataclass
class InputDoc:
    doc_id: str
    source: str
    text: str | None = None
    error: tuple[str, str] | None = None
    meta: dict | None = None

    def warn(self, code: str, message: str) -> None:
        self.meta = self.meta if self.meta is not None else {}
        self.meta.setdefault("warnings", []).append({"code": code, "message": message})

    def as_dict(self) -> dict[str, Any]:
        """Plain data for another process: no spaCy objects, no pickle."""
        return {"doc_id": self.doc_id, "source": self.source, "text": self.text,
                "error": list(self.error) if self.error else None, "meta": self.meta}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InputDoc:
        error = data.get("error")
        return cls(doc_id=data["doc_id"], source=data["source"], text=data.get("text"),
                   error=(error[0], error[1]) if error else None, meta=data.get("meta"))


@dataclass(frozen=True)
class ReadOptions:
    text_column: str = "text"
    id_column: str | None = None  # None: "doc_id", then "id", then <file>-<row>


class _DocError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


# --------------------------------------------------------------------------- finding inputs


def is_dataset_dir(path: Path) -> bool:
    """A folder written by ``datasets.Dataset(Dict).save_to_disk``."""
    return (path / "dataset_dict.json").is_file() or (
        (path / "state.json").is_file() and (path / "dataset_info.json").is_file()
    )


def input_kind(path: Path) -> str | None:
    if path.is_dir():
        return "dataset" if is_dataset_dir(path) else None
    return FILE_KINDS.get(path.suffix.lower())


def iter_paths(inputs: Iterable[str | Path], *, exclude: Iterable[Path] = ()) -> Iterator[Path]:
    """Inputs in the order given, each once; folders recursively and sorted.

    In folders: files with a known suffix (broken links included, so they are reported), and
    saved datasets; hidden files and folders, and links to folders, are not followed. ``exclude``
    holds the run's own output files, which are never read back.
    """
    excluded = {Path(p).resolve() for p in exclude}
    seen: set[str] = set()
    for item in inputs:
        path = Path(item)
        if path.is_dir() and not is_dataset_dir(path):
            found = sorted(_walk(path))
        elif path.exists() or path.is_symlink():
            found = [path]
        else:
            raise FileNotFoundError(Errors.E009.format(path=path))
        for candidate in found:
            key = os.path.abspath(candidate)
            if key in seen or candidate.resolve() in excluded:
                continue
            seen.add(key)
            yield candidate


def _walk(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder, followlinks=False):
        here = Path(root)
        keep = []
        for name in dirs:
            sub = here / name
            if name.startswith(".") or sub.is_symlink():
                continue
            if is_dataset_dir(sub):
                yield sub
            else:
                keep.append(name)
        dirs[:] = keep
        for name in files:
            if not name.startswith(".") and Path(name).suffix.lower() in FILE_KINDS:
                yield here / name


# --------------------------------------------------------------------------- reading


def read_inputs(paths: Iterable[Path], options: ReadOptions | None = None) -> Iterator[InputDoc]:
    """Every document of every input, in order; duplicate doc_ids are kept and warned about."""
    options = options or ReadOptions()
    first_source: dict[str, str] = {}
    for path in paths:
        for doc in read_path(path, options):
            first = first_source.setdefault(doc.doc_id, doc.source)
            if first != doc.source:
                doc.warn("W010", Warnings.W010.format(doc_id=doc.doc_id, first=first))
            yield doc


def read_path(path: Path, options: ReadOptions | None = None) -> Iterator[InputDoc]:
    options = options or ReadOptions()
    kind = input_kind(path) or "text"
    if kind in ("text", "html"):
        yield read_document(path)
    elif kind == "jsonl":
        yield from read_jsonl(path, options)
    elif kind == "csv":
        yield from read_csv(path, options)
    elif kind == "parquet":
        yield from read_parquet(path, options)
    else:
        yield from read_dataset(path, options)


def read_document(path: Path) -> InputDoc:
    """A text file or web page as one document."""
    path = Path(path)
    doc = InputDoc(doc_id=path.stem, source=str(path))
    html = FILE_KINDS.get(path.suffix.lower()) == "html"
    try:
        data = _read_bytes(path)
        if html:
            from .html_text import declared_charset

            decoded = decode_bytes(data, declared=declared_charset(data), name=str(path))
        else:
            decoded = decode_bytes(data, name=str(path))
    except (_DocError, UndecodableError) as err:
        doc.error = (err.code, str(err))
        return doc
    extra: dict[str, Any] = {}
    text = decoded.text
    if html:
        from .html_text import extract_article

        article = extract_article(text)
        text, extra["html_body"] = article.text, article.body
    _finish(doc, text, decoded.encoding, decoded.warnings, extra)
    return doc


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding name (kept for callers of the first version of this module)."""
    decoded = decode_bytes(data)
    return decoded.text, decoded.encoding


def _finish(doc: InputDoc, text: str, encoding: str, warnings: list[dict], extra: dict | None = None) -> None:
    normalised = normalise_newlines(text)
    doc.text = normalised
    doc.meta = {"encoding": encoding, "newlines_normalised": normalised != text, **(extra or {})}
    for warning in warnings:
        doc.warn(warning["code"], warning["message"])
    if looks_traditional(normalised):
        doc.warn("W011", Warnings.W011)


def _check_link(path: Path) -> None:
    if path.is_symlink() and not path.exists():
        raise _DocError("E035", Errors.E035.format(path=path, target=os.readlink(path)))


def _read_bytes(path: Path) -> bytes:
    _check_link(path)
    try:
        return path.read_bytes()
    except OSError as err:
        raise _DocError("E036", Errors.E036.format(path=path, reason=err.strerror or err)) from None


def _error_doc(doc_id: str, source: str, code: str, message: str) -> InputDoc:
    return InputDoc(doc_id=doc_id, source=source, error=(code, message))


def _row_doc(*, path: Path, source: str, fallback_id: str, row: dict, options: ReadOptions,
             encoding: str) -> InputDoc:
    """One table row: its text column, its id column (or a made-up id)."""
    id_value = None
    for column in (options.id_column,) if options.id_column else ID_COLUMNS:
        id_value = row.get(column)
        if id_value is not None and id_value != "":
            break
    doc_id = str(id_value) if id_value is not None and id_value != "" else fallback_id
    column = options.text_column
    if column not in row or row[column] is None:
        reason = "missing" if column not in row else "null"
        return _error_doc(doc_id, source, "E032", Errors.E032.format(source=source, column=column, reason=reason))
    text = row[column]
    if not isinstance(text, str):
        reason = f"a {type(text).__name__}, not a string"
        return _error_doc(doc_id, source, "E032", Errors.E032.format(source=source, column=column, reason=reason))
    doc = InputDoc(doc_id=doc_id, source=source)
    _finish(doc, text, encoding, [])
    if options.id_column and doc_id == fallback_id:
        doc.warn("W014", Warnings.W014.format(column=options.id_column))
    return doc


def _stream_encoding(path: Path) -> str:
    """The encoding of a row file, from its first 256 KB (cut at a line end)."""
    with open(path, "rb") as handle:
        head = handle.read(_DETECT_BYTES)
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    cut = head.rfind(b"\n") if len(head) == _DETECT_BYTES else len(head)
    sample = head[: cut if cut > 0 else len(head)]
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return best_legacy_encoding(sample, str(path))


def read_jsonl(path: Path, options: ReadOptions) -> Iterator[InputDoc]:
    try:
        _check_link(path)
        encoding = _stream_encoding(path)
        handle = open(path, "rb")  # binary: each line is decoded on its own
    except (_DocError, UndecodableError) as err:
        yield _error_doc(path.stem, str(path), err.code, str(err))
        return
    except OSError as err:
        yield _error_doc(path.stem, str(path), "E036", Errors.E036.format(path=path, reason=err.strerror or err))
        return
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    with handle:
        if encoding.startswith("utf-16"):
            lines: Iterable[bytes] = (line.encode("utf-8") for line in io.TextIOWrapper(handle, encoding="utf-16"))
            codec = "utf-8"
        else:
            lines = handle
        for lineno, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            source = f"{path}#L{lineno}"
            fallback = f"{path.stem}-{lineno}"
            try:
                line = raw.decode(codec)
            except UnicodeDecodeError as err:
                yield _error_doc(fallback, source, "E031", Errors.E031.format(source=source, reason=f"not {codec} text ({err.reason})"))
                continue
            if lineno == 1:
                line = line.lstrip("\ufeff")
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                yield _error_doc(fallback, source, "E031", Errors.E031.format(source=source, reason=f"not JSON ({err.msg} at column {err.colno})"))
                continue
            if not isinstance(row, dict):
                reason = f"a JSON {type(row).__name__}, not an object"
                yield _error_doc(fallback, source, "E031", Errors.E031.format(source=source, reason=reason))
                continue
            yield _row_doc(path=path, source=source, fallback_id=fallback, row=row, options=options, encoding=encoding)


def read_csv(path: Path, options: ReadOptions) -> Iterator[InputDoc]:
    try:
        _check_link(path)
        encoding = _stream_encoding(path)
        handle = open(path, encoding=encoding, newline="", errors="strict")
    except (_DocError, UndecodableError) as err:
        yield _error_doc(path.stem, str(path), err.code, str(err))
        return
    except OSError as err:
        yield _error_doc(path.stem, str(path), "E036", Errors.E036.format(path=path, reason=err.strerror or err))
        return
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # report texts are longer than 128 KB
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
        except (csv.Error, UnicodeDecodeError) as err:
            yield _error_doc(path.stem, str(path), "E031", Errors.E031.format(source=path, reason=f"no readable header ({err})"))
            return
        header = header or []
        missing = [c for c in (options.text_column, options.id_column) if c and c not in header]
        if missing:
            yield _error_doc(path.stem, str(path), "E033", Errors.E033.format(path=path, column=missing[0], columns=", ".join(header) or "none"))
            return
        index = 0
        while True:
            source = f"{path}#{index}"
            fallback = f"{path.stem}-{index}"
            try:
                values = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as err:
                # The stream cannot be resynchronised after a decoding error: report and stop.
                yield _error_doc(fallback, source, "E012", Errors.E012.format(path=source, reason=err))
                return
            except csv.Error as err:
                yield _error_doc(fallback, source, "E031", Errors.E031.format(source=source, reason=err))
                index += 1
                continue
            if not values:
                continue  # a blank line, not a row
            if len(values) != len(header):
                reason = f"{len(values)} fields where the header has {len(header)}"
                yield _error_doc(fallback, source, "E031", Errors.E031.format(source=source, reason=reason))
            else:
                row = dict(zip(header, values, strict=True))
                yield _row_doc(path=path, source=source, fallback_id=fallback, row=row, options=options,
                               encoding=encoding)
            index += 1


def read_parquet(path: Path, options: ReadOptions) -> Iterator[InputDoc]:
    import pyarrow.parquet as pq

    try:
        _check_link(path)
        parquet = pq.ParquetFile(path)
        names = parquet.schema_arrow.names
    except _DocError as err:
        yield _error_doc(path.stem, str(path), err.code, str(err))
        return
    except OSError as err:
        code = "E036" if isinstance(err, PermissionError) else "E043"
        message = (Errors.E036.format(path=path, reason=err.strerror or err) if code == "E036"
                   else Errors.E043.format(path=path, kind="Parquet", reason=err))
        yield _error_doc(path.stem, str(path), code, message)
        return
    except Exception as err:  # pyarrow raises ArrowInvalid (a ValueError) for damaged files
        yield _error_doc(path.stem, str(path), "E043", Errors.E043.format(path=path, kind="Parquet", reason=err))
        return
    yield from _read_table_rows(path, names, _parquet_batches(parquet), options, source_prefix=str(path),
                                id_prefix=path.stem, kind="Parquet")


def _parquet_batches(parquet) -> Iterator[Iterable[dict]]:
    for batch in parquet.iter_batches(batch_size=_BATCH_ROWS):
        yield batch.to_pylist()


def _read_table_rows(path: Path, names: list[str], batches: Iterator[Iterable[dict]], options: ReadOptions, *,
                     source_prefix: str, id_prefix: str, kind: str) -> Iterator[InputDoc]:
    missing = [c for c in (options.text_column, options.id_column) if c and c not in names]
    if missing:
        yield _error_doc(id_prefix, source_prefix, "E033", Errors.E033.format(path=source_prefix, column=missing[0], columns=", ".join(names) or "none"))
        return
    index = 0
    try:
        for rows in batches:
            for row in rows:
                yield _row_doc(path=path, source=f"{source_prefix}#{index}", fallback_id=f"{id_prefix}-{index}",
                               row=row, options=options, encoding="utf-8")
                index += 1
    except Exception as err:  # a damaged row group: report it, keep what was read
        yield _error_doc(f"{id_prefix}-{index}", f"{source_prefix}#{index}", "E043",
                         Errors.E043.format(path=source_prefix, kind=kind, reason=err))


def read_dataset(path: Path, options: ReadOptions) -> Iterator[InputDoc]:
    """A Hugging Face dataset saved with save_to_disk (Arrow files; nothing is unpickled)."""
    try:
        import datasets

        loaded = datasets.load_from_disk(str(path))
    except Exception as err:  # a damaged or foreign folder
        yield _error_doc(path.name, str(path), "E043", Errors.E043.format(path=path, kind="a saved dataset", reason=err))
        return
    splits = [(name, loaded[name]) for name in loaded] if isinstance(loaded, datasets.DatasetDict) else [("", loaded)]
    for split, data in splits:
        prefix = f"{path}/{split}" if split else str(path)
        id_prefix = f"{path.name}-{split}" if split else path.name
        names = list(data.column_names)
        columns = [c for c in (options.text_column, options.id_column or "", *ID_COLUMNS) if c in names]
        batches = _dataset_batches(data, sorted(set(columns)))
        yield from _read_table_rows(path, names, batches, options, source_prefix=prefix, id_prefix=id_prefix,
                                    kind="a saved dataset")


def _dataset_batches(data, columns: list[str]) -> Iterator[Iterable[dict]]:
    if not columns:
        return
    for batch in data.select_columns(columns).iter(batch_size=_BATCH_ROWS):
        keys = list(batch)
        yield (dict(zip(keys, values, strict=True)) for values in zip(*batch.values(), strict=True))


# --------------------------------------------------------------------------- counting


def count_documents(paths: Iterable[Path]) -> int | None:
    """How many documents the inputs hold (for the progress bar), or None if unknown."""
    total = 0
    for path in paths:
        kind = input_kind(path) or "text"
        try:
            if kind in ("text", "html"):
                total += 1
            elif kind == "jsonl":
                with open(path, "rb") as handle:
                    total += sum(1 for line in handle if line.strip())
            elif kind == "parquet":
                import pyarrow.parquet as pq

                total += pq.ParquetFile(path).metadata.num_rows
            else:
                return None
        except Exception:  # the reader will report the problem; the count is only a hint
            return None
    return total
