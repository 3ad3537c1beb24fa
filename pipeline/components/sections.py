"""The section label that the headings above a unit set, shared by the rule tagger and the
labelling functions of the weak supervision."""

from __future__ import annotations

import re
from collections.abc import Iterable

# Wikisource spells some years with a space between the digits (关于1 9 9 8 年政府工作的建议).
SPACED_DIGITS = re.compile(r"(?<=[0-9０-９])[ \u3000]+(?=[0-9０-９])")


class SectionStack:
    """Walks the units of a report in order. Each heading pops the headings at its level or
    below and pushes its own label; the context of a unit is the nearest label above it. A lower
    heading sets its own label only where no heading above set one, or when that label is one of
    ``overrides`` (a 存在的问题 subsection inside a review).

    ``flow`` (``section_flow`` in headings.json) adds what the order of a work report implies:
    a top-level heading that names no kind of content, after a review or a task section, opens
    another task section (1997: 一、1996年国内工作的回顾, then 二、保持国民经济发展的良好势头 …);
    and under a heading that names two periods (“十三五”时期发展成就和“十四五”时期主要目标任务) a
    paragraph that opens with the later period turns its own paragraphs to the later label; in a
    review, a sentence that announces the lessons drawn (有以下几点体会) turns the rest of the
    section to the lessons' label."""

    def __init__(self, sections: Iterable[tuple[str, re.Pattern]], overrides: Iterable[str],
                 flow: dict | None = None):
        self.sections = list(sections)
        self.overrides = set(overrides)
        self.stack: list[tuple[int, str | None, str | None]] = []  # level, label, label of its subsections
        flow = flow or {}
        self.period = re.compile(flow["period"]) if flow.get("period") else None
        self.untitled_after = set(flow.get("untitled_top_after", ()))
        self.untitled_label = flow.get("untitled_top_label")
        self.last_top: str | None = None  # the label of the last top-level heading
        self.later_period: str | None = None  # the later period named by the heading on top
        lessons = flow.get("lessons") or {}
        self.lessons = re.compile(lessons["pattern"]) if lessons.get("pattern") else None
        self.lessons_under = set(lessons.get("under", ()))
        self.lessons_label = lessons.get("label")
        self.lessons_without_context = bool(lessons.get("without_context"))

    def heading_labels(self, heading_text: str) -> tuple[str | None, str | None]:
        """The label a heading sets (its first matching section pattern) and the label of the
        last-mentioned kind of content in a heading that names two (“十四五”时期发展成就和“十五五”时期
        主要目标任务): its subsections are about that one."""
        heading_text = SPACED_DIGITS.sub("", heading_text)
        found = [(m.start(), label) for label, pattern in self.sections if (m := pattern.search(heading_text))]
        return (found[0][1], max(found)[1]) if found else (None, None)

    def enter(self, text: str, level: int) -> tuple[str | None, str | None]:
        """``(own, context)`` of the next unit: the label its own heading sets (None for a body
        unit or a heading that may not override; the later label for a heading that names two),
        and the label of the headings above it."""
        if level:
            while self.stack and self.stack[-1][0] >= level:
                self.stack.pop()
            if self.stack and self.stack[-1][2]:  # the first subsection of a two-part heading
                parent_level, _, later = self.stack[-1]
                self.stack[-1] = (parent_level, later, None)
        elif self.later_period and self.stack and self.stack[-1][2] and self._opens_with_later_period(text):
            parent_level, _, later = self.stack[-1]
            self.stack[-1] = (parent_level, later, None)
        if not level and self.lessons is not None and self.lessons.search(text):
            self._turn_to_lessons()
        context = next((label for _, label, _ in reversed(self.stack) if label), None)
        own, later = self.heading_labels(text) if level else (None, None)
        if level == 1:
            if own is None and self.untitled_label and self.last_top in self.untitled_after:
                own = later = self.untitled_label
            self.last_top = own
        if own and context and own not in self.overrides:
            own = None
        if level:
            two_part = own and later != own
            self.stack.append((level, own, later if two_part else None))
            self.later_period = self._later_period(text) if two_part else None
            if two_part:
                # the heading itself introduces mostly its later part (发展成就和…主要目标任务: the targets)
                return later, context
        return own, context

    def _turn_to_lessons(self) -> None:
        """The nearest heading that sets a label, if it is a review's, sets the lessons' label from
        here on; with none that sets a label (一、关于过去五年的政府工作), the top-level one does."""
        for k in range(len(self.stack) - 1, -1, -1):
            level, label, _ = self.stack[k]
            if label:
                if label in self.lessons_under:
                    self.stack[k] = (level, self.lessons_label, None)
                return
        if self.stack and self.lessons_without_context:
            self.stack[0] = (self.stack[0][0], self.lessons_label, None)

    def _later_period(self, heading_text: str) -> str | None:
        if self.period is None:
            return None
        periods = [m.group(0).strip("“”\"") for m in self.period.finditer(heading_text)]
        return periods[-1] if len(set(periods)) > 1 else None

    def _opens_with_later_period(self, text: str) -> bool:
        return text[:12].replace("“", "").replace("”", "").replace('"', "").startswith(self.later_period)
