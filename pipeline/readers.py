"""Finding and decoding input documents."""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import Errors

TEXT_SUFFIXES = (".txt",)


@dataclass
class InputDoc:
    doc_id: str
    source: str
    text: str | None = None
    error: tuple[str, str] | None = None
    meta: dict | None = None


def iter_paths(inputs: list[str | Path]) -> Iterator[Path]:
    """Files in the order given; folders recursively, sorted, only text files."""
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.suffix.lower() in TEXT_SUFFIXES and p.is_file())
        elif path.exists() or path.is_symlink():
            yield path
        else:
            raise FileNotFoundError(Errors.E009.format(path=path))


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding name: UTF-8 (BOM or not), UTF-16 with BOM, then GB18030."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("gb18030"), "gb18030"


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_document(path: Path) -> InputDoc:
    doc = InputDoc(doc_id=path.stem, source=str(path))
    try:
        data = path.read_bytes()
        text, encoding = decode(data)
    except (OSError, UnicodeDecodeError) as err:
        doc.error = ("E012", Errors.E012.format(path=path, reason=err))
        return doc
    normalised = normalise_newlines(text)
    doc.text = normalised
    doc.meta = {"encoding": encoding, "newlines_normalised": normalised != text}
    return doc
