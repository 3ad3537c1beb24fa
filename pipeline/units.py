"""Sentence units as the annotation guideline defines them (pure functions on text).

A unit ends at 。！？； (and their half-width forms) or at a line break; closing quotes and
brackets right after the end mark stay with it; surrounding whitespace is not part of a unit.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from weakref import WeakKeyDictionary

from spacy.attrs import IDX, IS_SPACE, LENGTH

END_MARKS = "。！？；!?;"
CLOSERS = "”’」』）)】》〉>\"'"
_LINE = re.compile(r"[^\n\r]+")
_END = re.compile(rf"[{re.escape(END_MARKS)}]+[{re.escape(CLOSERS)}]*")


def is_blank(text: str) -> bool:
    """Whether a text shows nothing: only white space and format characters (a line holding just a
    zero-width space, as some Wikisource pages have between paragraphs)."""
    return all(ch.isspace() or unicodedata.category(ch) == "Cf" for ch in text)


def _strip(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def iter_units(text: str) -> Iterator[tuple[int, int]]:
    """Yield (start, end) character offsets of every unit, in text order."""
    for line in _LINE.finditer(text):
        start = line.start()
        for mark in _END.finditer(text, line.start(), line.end()):
            span = _strip(text, start, mark.end())
            if span:
                yield span
            start = mark.end()
        span = _strip(text, start, line.end())
        if span:
            yield span


def split_units(text: str) -> list[tuple[int, int]]:
    return list(iter_units(text))


def iter_chunks(text: str, start: int, end: int, max_len: int) -> Iterator[tuple[int, int]]:
    """Cut [start, end) into pieces of at most ``max_len`` characters.

    Cuts prefer a comma or other pause near the limit, so a long unpunctuated text never reaches
    the segmenter as one piece, and offsets stay exact.
    """
    while end - start > max_len:
        window = text[start + max_len // 2 : start + max_len]
        cut = max((window.rfind(c) for c in "，,、：: "), default=-1)
        cut = start + max_len // 2 + cut + 1 if cut >= 0 else start + max_len
        yield start, cut
        start = cut
    if start < end:
        yield start, end


def unit_tokens(span) -> list[str]:
    """The words of a sentence unit (a spaCy Span) as the sentence classifiers see them,
    whitespace tokens dropped: one definition for training and for the pipeline."""
    return [t.text for t in span if not t.is_space]


def units_tokens(doc, spans: Iterable) -> list[list[str]]:
    """``[unit_tokens(span) for span in spans]`` for spans of ``doc``, read off the doc's arrays
    and text: a Token object per word cost more than the classifier that needs the words."""
    text = doc_text(doc)
    starts, lengths, spaces = (doc.to_array(attr).tolist() for attr in (IDX, LENGTH, IS_SPACE))
    words = [None if space else text[i : i + n] for i, n, space in zip(starts, lengths, spaces, strict=True)]
    return [[w for w in words[span.start : span.end] if w is not None] for span in spans]


# Weak keys: a text lives as long as its Doc (a run parses documents inside nlp.memory_zone()).
_DOC_TEXTS: WeakKeyDictionary = WeakKeyDictionary()


def remember_text(doc, text: str) -> None:
    """Record ``text`` as ``doc_text(doc)``: the tokenizer has the text it built the Doc from."""
    _DOC_TEXTS[doc] = text


def doc_text(doc) -> str:
    """``doc.text``, built once per Doc. spaCy joins the text of every token each time it is
    asked, and ``span.text`` does the same for the span's tokens; the components after the
    tokenizer asked for every unit's text several times. A span's text is the slice
    ``doc_text(doc)[span.start_char:span.end_char]``. The text of a Doc does not change after
    the tokenizer (retokenizing keeps it), so one copy serves every component."""
    text = _DOC_TEXTS.get(doc)
    if text is None:
        text = _DOC_TEXTS[doc] = doc.text
    return text
