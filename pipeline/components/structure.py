"""Sentence units, headings, section paths and page metadata."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.tokens import Doc, Span

from ..data_files import compile_pattern
from ..labels import UNITS_KEY
from ..units import CLOSERS, END_MARKS, doc_text, is_blank, split_units
from .base import RuleComponent

for _name, _default in (
    ("is_heading", False),
    ("heading_level", 0),
    ("section", ""),
    ("is_chrome", False),
    ("paragraph", 0),
    ("label", None),
    ("score", None),
    ("scores", None),
):
    if not Span.has_extension(_name):
        Span.set_extension(_name, default=_default)
if not Doc.has_extension("meta"):
    Doc.set_extension("meta", default=None)

META_FIELDS = ("title", "issuer", "doc_number", "date")
# A line that ends in an opening bracket or quote breaks off inside a sentence (…签订的《).
_OPENERS = "《“（(‘「『【〈["
_SALUTATION = re.compile(r"^(?:各位代表|各位委员|同志们)[：:，,]")
_TITLE_HINT = re.compile(r"报告|工作总结|情况")
UNMARKED_LEVEL = 6  # below every marked level, also one nested inside an unmarked part
LIST_ITEM_LEVEL = 4  # the level of 一是: a numbered line that ends in a semicolon is an item of a list
_ITEM_END = "；;"


@dataclass
class UnitInfo:
    start: int
    end: int
    line: int
    paragraph: int = 0
    heading_level: int = 0
    is_chrome: bool = False
    section: str = ""


class StructureRules:
    """Compiled heading and chrome patterns, from data files."""

    def __init__(self, headings: dict, chrome: dict):
        headings_path, chrome_path = "headings.json", "chrome.json"
        self.levels = [
            (entry["level"], compile_pattern(entry["pattern"], headings_path))
            for entry in headings["levels"]
        ]
        self.unmarked_max = int(headings["unmarked_heading"]["max_chars"])
        self.sections = [compile_pattern(entry["pattern"], headings_path) for entry in headings["sections"]]
        self.chrome = [compile_pattern(p, chrome_path) for p in chrome["line_patterns"]]
        self.footer_starts = [compile_pattern(p, chrome_path) for p in chrome.get("footer_start_patterns", ())]
        self.header_max_lines = int(chrome["header_max_lines"])
        keys = sorted(chrome["metadata_keys"], key=len, reverse=True)
        self.meta_keys = chrome["metadata_keys"]
        self.meta_re = re.compile(
            r"(" + "|".join(map(re.escape, keys)) + r")\s*[:：]\s*(.*?)\s*(?=\||$|(?:"
            + "|".join(map(re.escape, keys))
            + r")\s*[:：])"
        )

    def heading_level(self, text: str) -> int:
        for level, pattern in self.levels:
            if pattern.match(text):
                return level
        return 0

    def is_chrome_line(self, line: str) -> bool:
        return any(p.search(line) for p in self.chrome)

    def parse_meta(self, line: str) -> dict[str, str]:
        found: dict[str, str] = {}
        for key, value in self.meta_re.findall(line):
            value = value.strip(" |")
            if value:
                found.setdefault(self.meta_keys[key], value)
        return found


def _lines(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"[^\n\r]+", text)]


def analyse(text: str, rules: StructureRules) -> tuple[list[UnitInfo], dict[str, object]]:
    """Units with heading levels, chrome flags and section paths, plus page metadata."""
    lines = [(a, b) for a, b in _lines(text) if text[a:b].strip()]
    meta: dict[str, object] = {}
    body_line = _find_body_start(text, lines, rules)
    body_end = _find_body_end(text, lines, rules, body_line)
    header_titles: list[str] = []
    for a, b in lines[:body_line]:
        line = text[a:b].strip()
        parsed = rules.parse_meta(line)
        for key, value in parsed.items():
            meta.setdefault(key, value)
        if not parsed and not rules.is_chrome_line(line) and _TITLE_HINT.search(line):
            header_titles.append(line)
    if "title" not in meta and header_titles:
        meta["title"] = header_titles[0]
    if "date" not in meta and "published" in meta:
        meta["date"] = meta["published"]
    for key in META_FIELDS:
        meta.setdefault(key, None)

    line_starts = [a for a, _ in lines]
    units: list[UnitInfo] = []
    stack: list[tuple[int, str, bool]] = []  # level, text, whether it had no marker
    unmarked_parts = False  # the report's parts are unmarked section titles, numbered sections inside them
    line_idx = 0
    paragraph = 0
    last_shown: UnitInfo | None = None  # the last unit that is not blank
    in_list = False  # the last unit shown was a numbered list item (一、…；)
    for start, end in split_units(text):
        new_line = False
        while line_idx + 1 < len(line_starts) and line_starts[line_idx + 1] <= start:
            line_idx += 1
            new_line = True
        unit_text = text[start:end]
        if is_blank(unit_text):
            # Shows nothing, so it is chrome, and the lines around it read as if it were not there.
            units.append(UnitInfo(start, end, line_idx, line_idx, is_chrome=True, section=units[-1].section if units else ""))
            continue
        # A line that goes on with the sentence the line above left open (a page that broke its
        # lines inside sentences, as the Wikisource reports do at every link) is neither a
        # heading nor a new paragraph.
        continues = bool(new_line and last_shown and _is_open(last_shown, text))
        if not continues and (new_line or not units):
            paragraph = line_idx
        unit = UnitInfo(start, end, line_idx, paragraph)
        last_shown = unit
        if line_idx < body_line or line_idx >= body_end:
            unit.is_chrome = True
        else:
            unit.heading_level = rules.heading_level(unit_text)
            last_mark = unit_text.rstrip().rstrip(CLOSERS)[-1:]
            if unit.heading_level == 1 and (last_mark in _ITEM_END or (in_list and last_mark in END_MARKS)):
                # 一、…； 二、…； 三、…。 lists measures inside a section (1981, 1985, 1987, 1988): its
                # items are list leads, not sections that would close the one they are listed in
                unit.heading_level = LIST_ITEM_LEVEL
                in_list = last_mark in _ITEM_END
            else:
                in_list = False
            if (
                not unit.heading_level
                and not continues
                and _is_unmarked_heading(text, lines, line_idx, start, end, rules)
            ):
                unit.heading_level = UNMARKED_LEVEL
        unmarked = unit.heading_level == UNMARKED_LEVEL
        if (
            unmarked
            and (unmarked_parts or all(open_unmarked for *_, open_unmarked in stack))
            and any(p.search(unit_text) for p in rules.sections)
        ):
            # A section title without a marker while no marked heading is open (过去五年的回顾 |
            # 今后五年的主要任务 above （一）关于经济建设, in reports that number only their
            # subsections) is a top-level heading: the marked ones below stay inside it. Once a
            # report has opened a part so, its later section titles open parts too, whatever is
            # numbered inside the one before (1982: 第六个五年计划的基本任务 | 一、… 六、… |
            # 六五计划前两年的执行情况 | 全面实现六五计划的主要措施).
            unit.heading_level = 1
            unmarked_parts = True
        elif unit.heading_level and not unmarked and stack and stack[0][2] and stack[0][0] == 1:
            # inside a part that an unmarked section title opened, the numbered headings are its
            # sections (1988: 过去五年国内工作的基本总结 | 一、继续坚持…； | 一、牢固树立… , the
            # lessons of the review), not parts of their own
            unit.heading_level += 1
        if unit.heading_level:
            while stack and stack[-1][0] >= unit.heading_level:
                stack.pop()
            stack.append((unit.heading_level, unit_text, unmarked))
        unit.section = " > ".join(t for _, t, _ in stack)
        units.append(unit)
    return units, meta


def _is_open(unit: UnitInfo, text: str) -> bool:
    """Whether a body unit stops at its line's end in mid-sentence: no end mark or colon closes
    it, and it is not a heading (a heading line has no end mark either)."""
    if unit.is_chrome or unit.heading_level:
        return False
    last = text[unit.start : unit.end].rstrip(CLOSERS)
    return bool(last) and last[-1] not in END_MARKS + "：:"


def _is_unmarked_heading(text, lines, line_idx, start, end, rules) -> bool:
    a, b = lines[line_idx]
    whole_line = text[a:b].strip() == text[start:end]
    unit_text = text[start:end]
    return (
        whole_line
        and len(unit_text) <= rules.unmarked_max
        and unit_text[-1] not in END_MARKS + "：:，,、" + _OPENERS
        and not _SALUTATION.match(unit_text)
    )


def _find_body_start(text: str, lines: list[tuple[int, int]], rules: StructureRules) -> int:
    """Index of the first body line: a marked heading, a salutation or a real paragraph.

    Everything before it is the page header: breadcrumbs, widgets, metadata, title lines.
    """
    limit = min(len(lines), rules.header_max_lines)
    saw_chrome = False
    for i in range(limit):
        line = text[lines[i][0] : lines[i][1]].strip()
        if rules.is_chrome_line(line):
            saw_chrome = True
            continue
        if rules.heading_level(line) or _SALUTATION.match(line):
            return i
        if len(line) >= 60 or (len(line) >= 20 and line[-1] in END_MARKS):
            return i
    return limit if saw_chrome else 0


def _find_body_end(text: str, lines: list[tuple[int, int]], rules: StructureRules, body_start: int) -> int:
    """Index after the last body line: the page footer (share/print widgets, site credits) is the
    run of chrome lines at the end of the page, and everything from a line that starts a footer
    (a licence notice) on."""
    end = len(lines)
    for i in range(max(body_start + 1, len(lines) - rules.header_max_lines), len(lines)):
        line = text[lines[i][0] : lines[i][1]].strip()
        if any(p.search(line) for p in rules.footer_starts):
            end = i
            break
    while end > body_start + 1 and len(lines) - end < rules.header_max_lines:
        if not rules.is_chrome_line(text[lines[end - 1][0] : lines[end - 1][1]].strip()):
            break
        end -= 1
    return end


@Language.factory(
    "policy_structure",
    default_config={
        "headings": "headings.json",
        "chrome": "chrome.json",
    },
)
def make_structure(nlp: Language, name: str, headings: str, chrome: str):
    return PolicyStructure(name, headings=headings, chrome=chrome)


class PolicyStructure(RuleComponent):
    """Sets ``doc.spans["units"]``, sentence starts, heading/section/chrome flags and metadata."""

    def __init__(self, name: str, *, headings: str, chrome: str):
        super().__init__(name, headings=headings, chrome=chrome)

    def _build(self) -> None:
        self.rules = StructureRules(self.data["headings"], self.data["chrome"])

    def __call__(self, doc: Doc) -> Doc:
        infos, meta = analyse(doc_text(doc), self.rules)
        spans = []
        for info in infos:
            span = doc.char_span(info.start, info.end, alignment_mode="expand")
            if span is None:
                continue
            ext = span._  # each `span._` builds a new accessor
            ext.is_heading = bool(info.heading_level)
            ext.heading_level = info.heading_level
            ext.section = info.section
            ext.is_chrome = info.is_chrome
            ext.paragraph = info.paragraph
            spans.append(span)
        if len(doc):
            # One array write: setting token.is_sent_start one by one is quadratic in spaCy.
            starts = numpy.full((len(doc), 1), -1, dtype="int64")
            starts[0, 0] = 1
            for span in spans:
                starts[span.start, 0] = 1
            doc.from_array([SENT_START], starts.astype("uint64"))
        doc.spans[UNITS_KEY] = spans
        doc._.meta = meta
        return doc
