"""Bytes to text for real Chinese files: which encoding, and whether it is text at all.

Order of evidence: a byte-order mark; a known binary signature (PDF, PNG, zip …); strict UTF-8;
NUL bytes (UTF-16 without a BOM, else binary); then line by line, because scraped and hand-edited
files mix encodings: lines that are UTF-8 stay UTF-8, lines that are mostly UTF-8 with a few broken
bytes are repaired with U+FFFD, and the remaining lines are decoded with the legacy encoding
(GB18030, which includes GBK and GB2312, or Big5) whose characters look most like real Chinese.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from functools import cache

from .errors import Errors, Warnings

# Magic numbers of files that are often saved under a .txt name by scrapers.
BINARY_SIGNATURES = (
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"PK\x03\x04", "a zip archive (or .docx/.xlsx)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old MS Office document (.doc/.xls)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7z archive"),
    (b"\x7fELF", "an executable"),
    (b"{\\rtf", "an RTF document"),
)
LEGACY_ENCODINGS = ("gb18030", "big5", "cp950")
# Control bytes that never occur in text (tab, line ends, form feed, DOS end-of-file and escape do).
_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x19\x1c-\x1f]")
# Share of control bytes above which a file is called binary.
MAX_CONTROL_SHARE = 0.01
# A line whose non-ASCII characters decode as UTF-8 at least this often is broken UTF-8: GBK or
# Big5 bytes form valid UTF-8 sequences less than one time in ten.
UTF8_LINE_SHARE = 0.5
# Below this share of common characters a legacy decoding is mojibake, not Chinese.
MIN_COMMON_SHARE = 0.4
_SAMPLE_BYTES = 256 * 1024


class UndecodableError(ValueError):
    """The bytes are not text in any encoding we accept; the message carries the error code."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass
class Decoded:
    text: str
    encoding: str
    replaced: int = 0  # broken bytes replaced by U+FFFD
    warnings: list[dict] = field(default_factory=list)


def decode(data: bytes, *, declared: str | None = None, name: str = "<bytes>") -> tuple[str, str]:
    """Text and the name of the encoding used; raises UndecodableError."""
    decoded = decode_bytes(data, declared=declared, name=name)
    return decoded.text, decoded.encoding


def decode_bytes(data: bytes, *, declared: str | None = None, name: str = "<bytes>") -> Decoded:
    if not data:
        return Decoded("", "utf-8")
    bom = _decode_bom(data, name)
    if bom:
        return bom
    kind = _signature_kind(data)
    if kind:
        raise UndecodableError("E030", Errors.E030.format(path=name, kind=kind))
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    if declared:
        # A charset a web page declares is tried before guessing (gb2312/gbk pages are gb18030).
        codec = _legacy_name(declared)
        if codec:
            try:
                return Decoded(data.decode(codec), codec)
            except UnicodeDecodeError:
                pass
    if b"\x00" in data:
        utf16 = _utf16_without_bom(data)
        if utf16:
            return utf16
        raise UndecodableError("E030", Errors.E030.format(path=name, kind="binary data (NUL bytes)"))
    if _control_share(data) > MAX_CONTROL_SHARE:
        raise UndecodableError("E030", Errors.E030.format(path=name, kind="binary data (control bytes)"))
    return _decode_lines(data, name)


def binary_kind(data: bytes) -> str | None:
    """What binary format the bytes look like, or None for text."""
    kind = _signature_kind(data)
    if kind:
        return kind
    if b"\x00" in data and not _utf16_without_bom(data):
        return "binary data (NUL bytes)"
    if _control_share(data) > MAX_CONTROL_SHARE:
        return "binary data (control bytes)"
    return None


def _signature_kind(data: bytes) -> str | None:
    for signature, kind in BINARY_SIGNATURES:
        if data.startswith(signature):
            return kind
    return None


def _control_share(data: bytes) -> float:
    sample = data[:_SAMPLE_BYTES]
    return len(_CONTROL.findall(sample)) / len(sample) if sample else 0.0


def _decode_bom(data: bytes, name: str) -> Decoded | None:
    for bom, codec, label in (
        (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32"),
        (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return Decoded(data[len(bom):].decode(codec), label)
            except UnicodeDecodeError as err:
                raise UndecodableError("E012", Errors.E012.format(path=name, reason=err)) from None
    return None


def _legacy_name(declared: str) -> str | None:
    declared = declared.strip().lower().replace("_", "-")
    if declared in ("gb2312", "gbk", "gb18030", "x-gbk", "cp936", "euc-cn", "hz-gb-2312"):
        return "gb18030"
    if declared in ("big5", "big5-hkscs", "x-x-big5", "cp950"):
        return "cp950"
    if declared in ("utf-16", "utf-16le", "utf-16be", "utf-16-le", "utf-16-be"):
        return declared if "-" in declared[4:] else declared.replace("utf-16", "utf-16-")
    return None


def _utf16_without_bom(data: bytes) -> Decoded | None:
    if len(data) % 2:
        return None
    best: tuple[float, str, str] | None = None
    for codec in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        share = _plausible_share(text)
        if share >= 0.9 and (best is None or share > best[0]):
            best = (share, codec, text)
    return Decoded(best[2], best[1]) if best else None


def _decode_lines(data: bytes, name: str) -> Decoded:
    """Not valid UTF-8 as a whole: decide per line between (broken) UTF-8 and a legacy encoding."""
    lines = data.split(b"\n")
    kinds: list[str] = []
    utf8_lines = 0
    for line in lines:
        if line.isascii():
            kinds.append("ascii")
            continue
        try:
            line.decode("utf-8")
            kinds.append("utf-8")
            utf8_lines += 1
        except UnicodeDecodeError:
            kinds.append("broken-utf-8" if _utf8_share(line) >= UTF8_LINE_SHARE else "legacy")
    legacy = b"\n".join(line for line, kind in zip(lines, kinds, strict=True) if kind == "legacy")
    codec = best_legacy_encoding(legacy, name) if legacy else None
    out: list[str] = []
    replaced = 0
    for line, kind in zip(lines, kinds, strict=True):
        if kind == "legacy":
            text = line.decode(codec, errors="replace")
            replaced += text.count("\ufffd") - line.decode(codec, errors="ignore").count("\ufffd")
            out.append(text)
        elif kind == "broken-utf-8":
            text = line.decode("utf-8", errors="replace")
            replaced += text.count("\ufffd") - line.decode("utf-8", errors="ignore").count("\ufffd")
            out.append(text)
        else:
            out.append(line.decode("utf-8"))
    if codec and utf8_lines:
        encoding = f"utf-8+{codec}"
    else:
        encoding = codec or "utf-8"
    decoded = Decoded("\n".join(out), encoding, replaced=replaced)
    if codec and utf8_lines:
        decoded.warnings.append({"code": "W016", "message": Warnings.W016.format(encodings=encoding)})
    if replaced:
        decoded.warnings.append({"code": "W013", "message": Warnings.W013.format(count=replaced)})
    return decoded


def best_legacy_encoding(data: bytes, name: str = "<bytes>") -> str:
    """The legacy encoding under which the bytes read most like Chinese text."""
    sample = _sample(data)
    best: tuple[float, str] | None = None
    for codec in LEGACY_ENCODINGS:
        # Bytes a codec cannot decode count against it (U+FFFD is not a common character).
        score = common_share(sample.decode(codec, errors="replace"), codec)
        if best is None or score > best[0] + 1e-9:
            best = (score, codec)
    if best is None or best[0] < MIN_COMMON_SHARE:
        reason = "it is neither UTF-8, GB18030 nor Big5 text"
        raise UndecodableError("E012", Errors.E012.format(path=name, reason=reason))
    return best[1]


def _sample(data: bytes) -> bytes:
    """The first ~256 KB, cut at a line end so no character is split."""
    if len(data) <= _SAMPLE_BYTES:
        return data
    cut = data.rfind(b"\n", 0, _SAMPLE_BYTES)
    return data[: cut if cut > 0 else _SAMPLE_BYTES]


def _utf8_share(line: bytes) -> float:
    """Share of the non-ASCII characters of a line that are well-formed UTF-8 sequences."""
    good = sum(1 for c in line.decode("utf-8", errors="ignore") if ord(c) > 127)
    bad = line.decode("utf-8", errors="replace").count("\ufffd") - line.decode(
        "utf-8", errors="ignore").count("\ufffd")
    return good / (good + bad) if good + bad else 1.0


def _is_punct(char: str) -> bool:
    code = ord(char)
    return 0x3000 <= code <= 0x303F or 0xFF00 <= code <= 0xFFEF or 0x2010 <= code <= 0x2027 or char == "·"


def _is_cjk(char: str) -> bool:
    return 0x4E00 <= ord(char) <= 0x9FFF or 0x3400 <= ord(char) <= 0x4DBF


@cache
def _common_chars(codec: str) -> frozenset[str]:
    """The level-1 (most frequent) characters of the standard behind a codec.

    GB2312 level 1 (rows B0-D7, 3,755 simplified characters) for GB18030; Big5 level 1 (A440-C67E,
    5,401 traditional characters) for Big5. Mojibake from the other standard lands mostly outside.
    """
    chars = set()
    if codec == "gb18030":
        rows, trails, std = range(0xB0, 0xD8), range(0xA1, 0xFF), "gb2312"
    else:
        rows, trails, std = range(0xA4, 0xC7), [*range(0x40, 0x7F), *range(0xA1, 0xFF)], "big5"
    for lead in rows:
        for trail in trails:
            try:
                chars.add(bytes((lead, trail)).decode(std))
            except UnicodeDecodeError:
                continue
    return frozenset(chars)


def common_share(text: str, codec: str) -> float:
    """Share of the non-ASCII characters that are common characters or Chinese punctuation."""
    common = _common_chars(codec)
    total = hits = 0
    for char in text:
        if ord(char) < 128:
            continue
        total += 1
        if char in common or _is_punct(char):
            hits += 1
    return hits / total if total else 1.0


def _plausible_share(text: str) -> float:
    """Share of characters that occur in Chinese text: CJK, punctuation, printable ASCII, spacing."""
    if not text:
        return 1.0
    good = sum(1 for c in text if _is_cjk(c) or _is_punct(c) or (" " <= c <= "~") or c in "\t\r\n")
    return good / len(text)


@cache
def _simplified_only() -> frozenset[str]:
    return _common_chars("gb18030")


def looks_traditional(text: str, sample: int = 20_000) -> bool:
    """True when most common characters of the text are outside simplified GB2312.

    The 1954 State Council report is one such text: the rules' lexicons are in simplified
    characters, so users deserve a warning.
    """
    simplified = traditional = 0
    gb = _simplified_only()
    big5 = _common_chars("big5")
    for char in text[:sample]:
        if not _is_cjk(char):
            continue
        in_gb, in_big5 = char in gb, char in big5
        if in_gb and not in_big5:
            simplified += 1
        elif in_big5 and not in_gb:
            traditional += 1
    return traditional > 20 and traditional > 2 * simplified
