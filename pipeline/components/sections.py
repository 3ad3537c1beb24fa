"""The section label that the headings above a unit set, shared by the rule tagger and the
labelling functions of the weak supervision."""

from __future__ import annotations

import re
from collections.abc import Iterable


class SectionStack:
    """Walks the units of a report in order. Each heading pops the headings at its level or
    below and pushes its own label; the context of a unit is the nearest label above it. A lower
    heading sets its own label only where no heading above set one, or when that label is one of
    ``overrides`` (a 存在的问题 subsection inside a review)."""

    def __init__(self, sections: Iterable[tuple[str, re.Pattern]], overrides: Iterable[str]):
        self.sections = list(sections)
        self.overrides = set(overrides)
        self.stack: list[tuple[int, str | None, str | None]] = []  # level, label, label of its subsections

    def heading_labels(self, heading_text: str) -> tuple[str | None, str | None]:
        """The label a heading sets (its first matching section pattern) and the label of the
        last-mentioned kind of content in a heading that names two (“十四五”时期发展成就和“十五五”时期
        主要目标任务): its subsections are about that one."""
        found = [(m.start(), label) for label, pattern in self.sections if (m := pattern.search(heading_text))]
        return (found[0][1], max(found)[1]) if found else (None, None)

    def enter(self, text: str, level: int) -> tuple[str | None, str | None]:
        """``(own, context)`` of the next unit: the label its own heading sets (None for a body
        unit or a heading that may not override), and the label of the headings above it."""
        if level:
            while self.stack and self.stack[-1][0] >= level:
                self.stack.pop()
            if self.stack and self.stack[-1][2]:  # the first subsection of a two-part heading
                parent_level, _, later = self.stack[-1]
                self.stack[-1] = (parent_level, later, None)
        context = next((label for _, label, _ in reversed(self.stack) if label), None)
        own, later = self.heading_labels(text) if level else (None, None)
        if own and context and own not in self.overrides:
            own = None
        if level:
            self.stack.append((level, own, later if own and later != own else None))
        return own, context
