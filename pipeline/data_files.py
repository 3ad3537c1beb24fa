"""Loading the rule data files shipped in ``pipeline/data`` (lexicons, patterns, gazetteers)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from .errors import Errors

DATA_DIR = Path(__file__).parent / "data"


def data_path(name: str) -> Path:
    return DATA_DIR / name


@cache
def load_json(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if not path.is_absolute() and not path.exists():
        path = data_path(str(path))
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise ValueError(Errors.E008.format(path=path, reason=err)) from err


def compile_pattern(pattern: str, path: str | Path) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as err:
        raise ValueError(Errors.E008.format(path=path, reason=f"{pattern!r}: {err}")) from err


class PatternSearch:
    """Which of a set of regexes occur in a text, remembered for the texts seen last.

    The sentence classifier counts the cues of cues.json in every unit, and the rule tagger then
    weighs the same cues in the same units; the regex searches were the larger part of both
    stages. Both ask ``pattern_search`` for the one instance per pattern set, so the tagger finds
    most units already searched (the classifier's unit text leaves out whitespace tokens, so a
    unit with a space is searched again). Searching is pure, so remembering never changes a result.
    """

    max_texts = 10_000  # well above the units of one document, a few MB at most

    def __init__(self, patterns: tuple[str, ...]):
        self.patterns = patterns
        self.index = {pattern: i for i, pattern in enumerate(patterns)}
        self._searches = [re.compile(pattern).search for pattern in patterns]
        self._seen: dict[str, tuple[bool, ...]] = {}

    def __call__(self, text: str) -> tuple[bool, ...]:
        """For each pattern, in the order of ``patterns``: does it occur in ``text``."""
        hits = self._seen.get(text)
        if hits is None:
            return self.many([text])[0]
        return hits

    def many(self, texts: Iterable[str]) -> list[tuple[bool, ...]]:
        """``[self(text) for text in texts]``, searching pattern by pattern over the new texts:
        ``map`` runs that loop in C, where a loop over the patterns per text runs in Python."""
        texts = list(texts)
        # Answers come from this local copy: the shared memo may be cleared meanwhile (threads).
        hits = {text: self._seen.get(text) for text in texts}
        todo = [text for text, found in hits.items() if found is None]
        columns = [list(map(bool, map(search, todo))) for search in self._searches]
        new = dict(zip(todo, zip(*columns, strict=True) if columns else [()] * len(todo), strict=True))
        hits.update(new)
        if len(self._seen) + len(new) > self.max_texts:
            self._seen.clear()
        self._seen.update(new)
        return [hits[text] for text in texts]


def pattern_search(patterns: Iterable[str]) -> PatternSearch:
    """The shared ``PatternSearch`` of this set of patterns (order and repeats do not matter)."""
    return _pattern_search(tuple(sorted(set(patterns))))


@cache
def _pattern_search(patterns: tuple[str, ...]) -> PatternSearch:
    return PatternSearch(patterns)


def read_lines(path: str | Path) -> list[str]:
    path = Path(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]
