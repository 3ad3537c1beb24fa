"""Loading the rule data files shipped in ``pipeline/data`` (lexicons, patterns, gazetteers)."""

from __future__ import annotations

import json
import re
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


def read_lines(path: str | Path) -> list[str]:
    path = Path(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]
