"""Weak sentence labels for government work reports, from labelling functions.

Each labelling function votes for one label or abstains. Votes are resolved by weighted
majority; a unit whose two best labels are closer than ``min_margin`` is left out, so the
classifier never trains on a coin toss. The functions look at report structure (page chrome,
the section set by headings, problem paragraphs) and at a few unambiguous patterns; they are
deliberately different from the rule tagger's full cue lexicon so the classifier learns wording
beyond it.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from spacy.language import Language

from ..components.sections import SectionStack
from ..data_files import load_json
from ..labels import OTHER, PLAN, PROBLEM, RESPONSIBILITY, SENTENCE_LABELS, UNITS_KEY
from ..units import unit_tokens

ABSTAIN = None
CORPUS_DIR = Path(__file__).resolve().parent.parent.parent / "corpus"
# Annotated work reports (corpus/dev/<folder>/gold) whose hand labels the sentence classifier learns
# from (the ner only when asked: ner.run_training(gold_folders=...)). The seed gold (corpus/gold) and
# corpus/dev/heldout6 are never among them: they stay the measurements nothing was trained on.
# heldout7, heldout8, heldout9 and heldout10 hold the six State Council reports with hand labels.
GOLD_TRAINING_FOLDERS = ("workreports", "checkreports", "heldout", "heldout2", "heldout3", "heldout4", "heldout5",
                         "heldout7", "heldout8", "heldout9", "heldout10")


def annotated_doc_ids(corpus_dir: Path = CORPUS_DIR) -> frozenset[str]:
    """The reports with a hand-annotated copy (``corpus/gold``, ``corpus/dev/*/gold``). No model
    learns weak or silver labels from them; those of ``GOLD_TRAINING_FOLDERS`` are learnt by their
    hand labels, the others (the seed, the newest pair) measure reports no model has seen."""
    folders = [corpus_dir / "gold", *sorted((corpus_dir / "dev").glob("*/gold"))]
    return frozenset(path.stem for folder in folders for path in folder.glob("*.jsonl"))


@dataclass
class WeakUnit:
    doc_id: str
    start: int
    end: int
    text: str
    label: str | None
    votes: dict[str, str] = field(default_factory=dict)
    tokens: list[str] = field(default_factory=list)


class LabellingFunctions:
    def __init__(self, config: dict | None = None, sections: list | None = None):
        self.config = config or load_json("weak_labels.json")
        self.weights = self.config["weights"]
        self.min_margin = float(self.config["min_margin"])
        self.opener = re.compile(self.config["problem_opener"])
        self.pledge = re.compile(self.config["pledge"])
        self.task = re.compile(self.config["task"])
        self.max_problem_units = int(self.config["problem_paragraph_max_units"])
        self.patterns = {
            label: [re.compile(p) for p in pats] for label, pats in self.config["patterns"].items()
        }
        headings = load_json("headings.json")
        if sections is None:
            sections = headings["sections"]
        self.sections = [(s["label"], re.compile(s["pattern"])) for s in sections]
        self.flow = headings.get("section_flow")
        # The tagger's own rule for which subheadings may override the section above them.
        self.overrides = tuple(load_json("cues.json")["subheading_overrides"])

    def pattern_votes(self, text: str) -> list[str]:
        return [label for label, pats in self.patterns.items() if any(p.search(text) for p in pats)]

    def label_doc(self, doc, doc_id: str) -> list[WeakUnit]:
        """Vote on every unit of a processed Doc (structure component required)."""
        units: list[WeakUnit] = []
        sections = SectionStack(self.sections, self.overrides, self.flow)
        problem_paragraph: int | None = None
        problem_units = 0
        for span in doc.spans[UNITS_KEY]:
            votes: dict[str, str] = {}
            text = span.text
            if span._.is_chrome:
                votes["chrome"] = OTHER
            else:
                own, context = sections.enter(text, span._.heading_level)
                section = own or context
                if section:
                    votes["section"] = section
                if self.opener.search(text):
                    problem_paragraph, problem_units = span._.paragraph, 0
                elif problem_paragraph is not None and span._.paragraph != problem_paragraph:
                    problem_paragraph = None
                if self.pledge.search(text) or (
                    self.task.search(text)
                    and not self.opener.search(text)
                    and not any(p.search(text) for p in self.patterns[PROBLEM])
                ):
                    problem_paragraph = None
                elif problem_paragraph == span._.paragraph and problem_units < self.max_problem_units:
                    votes["problem_paragraph"] = PROBLEM
                    problem_units += 1
                for i, label in enumerate(self.pattern_votes(text)):
                    if label == RESPONSIBILITY and section == PLAN:
                        continue
                    votes[f"pattern_{label}" if i else "pattern"] = label
            units.append(
                WeakUnit(doc_id, span.start_char, span.end_char, text, self.resolve(votes), votes, unit_tokens(span))
            )
        return units

    def resolve(self, votes: dict[str, str]) -> str | None:
        totals: Counter[str] = Counter()
        for name, label in votes.items():
            totals[label] += self.weights.get(name.split("_")[0] if name.startswith("pattern") else name, 1.0)
        if not totals:
            return ABSTAIN
        ranked = totals.most_common(2)
        if len(ranked) == 2 and ranked[0][1] - ranked[1][1] < self.min_margin:
            return ABSTAIN
        return ranked[0][0]


def iter_reports(paths: Iterable[Path], exclude: Iterable[str] = ()) -> Iterator[dict]:
    """The records of the JSONL files, but those whose ``doc_id`` is in ``exclude``."""
    exclude = frozenset(exclude)
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if line.strip() and (record := json.loads(line))["doc_id"] not in exclude:
                    yield record


def weak_label_reports(
    nlp: Language, paths: Iterable[Path], lfs: LabellingFunctions | None = None,
    exclude: Iterable[str] | None = None,
) -> list[WeakUnit]:
    """Weakly labelled units of every report in the JSONL files (one record a report), except
    ``exclude`` (by default the annotated reports, ``annotated_doc_ids()``)."""
    lfs = lfs or LabellingFunctions()
    structure = nlp.get_pipe("policy_structure")
    units: list[WeakUnit] = []
    reports = list(iter_reports(paths, annotated_doc_ids() if exclude is None else exclude))
    for report, doc in zip(reports, nlp.tokenizer.pipe(r["text"] for r in reports), strict=True):
        units.extend(lfs.label_doc(structure(doc), report["doc_id"]))
    return units


def label_counts(units: Iterable[WeakUnit]) -> dict[str, int]:
    counts = Counter(u.label for u in units)
    return {label: counts.get(label, 0) for label in (*SENTENCE_LABELS, None)}
