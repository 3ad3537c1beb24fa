"""The run summary printed at the end of ``policy-pipeline run``."""

from __future__ import annotations

from collections import Counter
from typing import Any

from .labels import ENTITY_LABELS, SENTENCE_LABELS


class RunSummary:
    def __init__(self) -> None:
        self.documents = 0
        self.characters = 0
        self.errors: Counter[str] = Counter()
        self.labels: Counter[str] = Counter()
        self.entities: Counter[str] = Counter()
        self.first: list[dict[str, Any]] = []

    def add(self, record: dict[str, Any]) -> None:
        self.documents += 1
        self.characters += record["chars"]
        if record["error"]:
            self.errors[record["error"]["code"]] += 1
        self.labels.update(s["label"] for s in record["sentences"])
        self.entities.update(e["label"] for e in record["entities"])
        if not self.first:
            self.first = record["sentences"]

    def as_dict(self, seconds: float) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "characters": self.characters,
            "seconds": round(seconds, 3),
            "chars_per_second": round(self.characters / seconds, 1) if seconds else None,
            "errors": dict(self.errors),
            "sentence_labels": {label: self.labels.get(label, 0) for label in SENTENCE_LABELS},
            "entity_labels": {label: self.entities.get(label, 0) for label in ENTITY_LABELS},
        }

    def render(self, seconds: float, *, show: int = 12) -> str:
        data = self.as_dict(seconds)
        total = sum(data["sentence_labels"].values()) or 1
        lines = [
            f"Documents: {data['documents']}   characters: {data['characters']}   "
            f"seconds: {data['seconds']}   errors: {sum(self.errors.values())}",
            "",
            "Sentence labels:",
        ]
        for label, count in data["sentence_labels"].items():
            lines.append(f"  {label:<15}{count:>6}  {100 * count / total:5.1f}%  {'█' * round(40 * count / total)}")
        lines += ["", "Entities:"]
        lines += [f"  {label:<15}{count:>6}" for label, count in data["entity_labels"].items()]
        body = [s for s in self.first if s["label"] != "other" or s["heading"]][:show]
        if body:
            lines += ["", f"First {len(body)} sentences of the first document:"]
            for sent in body:
                text = sent["text"] if len(sent["text"]) <= 60 else sent["text"][:59] + "…"
                lines.append(f"  [{sent['label']:<14} {sent['score']:.2f}] {text}")
        return "\n".join(lines)
