"""Shared fixtures. The pipeline is built once per session (loading pkuseg takes seconds)."""

from __future__ import annotations

import json
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


@pytest.fixture
def write_gold():
    """``write_gold(folder, doc_id, units)``: ``folder/raw/<doc_id>.txt`` (one unit a line) and
    ``folder/gold/<doc_id>.jsonl``, units given as (text, label, [(entity text, entity label)])."""

    def write(folder: Path, doc_id: str, units) -> None:
        text = "\n".join(unit for unit, _, _ in units) + "\n"
        (folder / "raw").mkdir(parents=True)
        (folder / "gold").mkdir()
        (folder / "raw" / f"{doc_id}.txt").write_text(text, encoding="utf-8")
        lines, pos = [], 0
        for unit, label, ents in units:
            start = text.index(unit, pos)
            pos = start + len(unit)
            entities = []
            for ent, ent_label in ents:
                at = text.index(ent, start)
                entities.append({"start": at, "end": at + len(ent), "label": ent_label, "text": ent})
            lines.append(json.dumps({"doc_id": doc_id, "start": start, "end": pos, "text": unit, "label": label,
                                     "entities": entities}, ensure_ascii=False))
        (folder / "gold" / f"{doc_id}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")

    return write
