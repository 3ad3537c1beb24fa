"""Shared serialisation for rule components whose rules are JSON data files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import srsly
from spacy import util

from ..data_files import load_json


class RuleComponent:
    """A component built from named JSON data files.

    The data travel with a saved pipeline (``to_disk`` writes them next to the component), so a
    pipeline saved with edited rules reloads with exactly those rules.
    """

    def __init__(self, name: str, **data_files: str):
        self.name = name
        self.data: dict[str, Any] = {key: load_json(path) for key, path in data_files.items()}
        self._build()

    def _build(self) -> None:
        raise NotImplementedError

    def to_disk(self, path, *, exclude=tuple()):
        path = util.ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        for key, value in self.data.items():
            srsly.write_json(Path(path) / f"{key}.json", value)

    def from_disk(self, path, *, exclude=tuple()):
        path = util.ensure_path(path)
        for key in self.data:
            self.data[key] = srsly.read_json(Path(path) / f"{key}.json")
        self._build()
        return self
