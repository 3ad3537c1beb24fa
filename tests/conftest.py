"""Shared fixtures. The pipeline is built once per session (loading pkuseg takes seconds)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "raw" / "luzhou-2022.txt"


@pytest.fixture(scope="session")
def nlp():
    import pipeline

    return pipeline.load()


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture
def units_of(nlp):
    """Run the pipeline and return (text, label, heading, section) per unit."""

    def run(text: str):
        doc = nlp(text)
        return [
            (s.text, s._.label, s._.is_heading, s._.section) for s in doc.spans["units"]
        ]

    return run


@pytest.fixture
def ents_of(nlp):
    def run(text: str):
        return [(e.text, e.label_) for e in nlp(text).ents]

    return run

