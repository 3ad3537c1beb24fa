"""Rule-based entities: LAW titles, QUANTITY with normalised values, ORG from a gazetteer.

Candidates come from spaCy's ``Matcher`` and ``PhraseMatcher`` with token patterns built from
the data files; a few checks on the surrounding characters then drop what the guideline
excludes (ordinals, years, numbers inside slogans, quotes, titles and document numbers).

With ``merge`` set, the component also takes over the entities an upstream ``ner`` put in
``doc.ents`` (only those whose label is in ``model_labels``), under one of these precedences:

- ``off``: rules only; upstream entities are discarded (the behaviour without a ner).
- ``rules_first``: every rule span stands; a model span is added where it overlaps none.
- ``model_first``: rule spans of labels outside ``model_labels`` stand first, then the model's
  spans, then the rule spans of ``model_labels`` where they overlap nothing taken so far.
- ``extend``: as ``rules_first``, except that a model span which extends a rule span of the same
  label to the left (same end, earlier start) replaces it: the guideline keeps a body's
  administrative prefix (陕西省人民政府), which the rules miss when the prefix is not in their
  patterns, while a model span that runs on past a rule span's end (区司法局会同海关总署) does not
  displace it.
- ``prefix``: ``extend`` without the rest of the model's spans: the model only lends the
  administrative prefix to rule spans. A hand check of what the model adds beyond the rules on
  held-out reports found precision 0.42 (models/ner/MODEL_CARD.md), about half the rules' own.

Model spans pass the same guideline checks as rule candidates (nothing inside a 《》 title but the
LAW; no generic classes or self references as ORG; QUANTITY must normalise and is not an ordinal,
year or date), and QUANTITY spans get their normalised value either way.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span

from ..data_files import compile_pattern
from ..errors import Errors
from ..labels import ENTITY_LABELS, LAW, ORG, QUANTITY
from ..numbers import parse_number, tidy, to_halfwidth
from . import trained_ner  # noqa: F401  (registers policy_trained_ner, the upstream ner merged here)
from .base import RuleComponent

for _name in ("value", "value_max", "unit", "approx"):
    if not Span.has_extension(_name):
        Span.set_extension(_name, default=None)

_PRECEDENCE = {LAW: 0, QUANTITY: 1, ORG: 2}
MERGE_MODES = ("off", "rules_first", "model_first", "extend", "prefix")


_LINE_BREAKS = "\n\r\u2028\u2029"


def enclosed_ranges(text: str, pairs: list[list[str]]) -> list[tuple[int, int]]:
    """Character ranges (inclusive of the marks) enclosed by each opening/closing pair.

    A pair does not cross a line break (units end at line breaks): a mark left open at the end
    of a line encloses nothing.
    """
    ranges = []
    offset = 0
    for line in re.split(f"([{_LINE_BREAKS}])", text):
        if line and line not in _LINE_BREAKS:
            ranges.extend((offset + a, offset + b) for a, b in _line_ranges(line, pairs))
        offset += len(line)
    return ranges


def _line_ranges(text: str, pairs: list[list[str]]) -> list[tuple[int, int]]:
    ranges = []
    for opener, closer in pairs:
        if opener == closer:
            positions = [i for i, c in enumerate(text) if c == opener]
            ranges.extend(zip(positions[::2], [p + 1 for p in positions[1::2]], strict=False))
            continue
        depth, start = 0, 0
        for i, char in enumerate(text):
            if char == opener:
                if depth == 0:
                    start = i
                depth += 1
            elif char == closer and depth:
                depth -= 1
                if depth == 0:
                    ranges.append((start, i + 1))
    return ranges


def _inside(start: int, end: int, ranges: list[tuple[int, int]]) -> bool:
    return any(a <= start and end <= b for a, b in ranges)


@Language.factory(
    "policy_entity_rules",
    default_config={
        "org": "org.json",
        "law": "law.json",
        "quantity": "quantity.json",
        "merge": "off",
        "model_labels": [ORG],
    },
)
def make_entity_rules(
    nlp: Language, name: str, org: str, law: str, quantity: str, merge: str, model_labels: list[str]
):
    return EntityRules(nlp, name, org=org, law=law, quantity=quantity, merge=merge,
                       model_labels=model_labels)


class EntityRules(RuleComponent):
    """Sets ``doc.ents`` from rules; QUANTITY spans carry ``value``, ``unit`` and ``approx``."""

    def __init__(
        self, nlp: Language, name: str, *, merge: str = "off",
        model_labels: list[str] | tuple[str, ...] = (ORG,), **files: str,
    ):
        self.vocab = nlp.vocab
        self.merge, self.model_labels = _check_merge(merge, model_labels)
        super().__init__(name, **files)

    def _build(self) -> None:
        org, law, qty = self.data["org"], self.data["law"], self.data["quantity"]
        self.matcher = Matcher(self.vocab)
        self._org_names = set(org["names"])
        self._unmarked_laws = set(law["unmarked"])
        self._title_strip = compile_pattern(law["title_strip"], "law.json")
        self._document_title = compile_pattern(law["document_title"], "law.json")
        self._document_endings = tuple(sorted(law["document_endings"], key=len, reverse=True))
        self._not_document_endings = tuple(law["not_document_endings"])
        self._generic = set(org["generic"])
        self._single_stop = set(org["single_token_stop"])
        self._not_admin = set(org["not_admin"])
        self._self_ref = compile_pattern(org["self_reference"], "org.json")
        self._single = compile_pattern(org["single_token"], "org.json")
        admin = {"TEXT": {"REGEX": org["admin_token"], "NOT_IN": org["not_admin"]}}
        head = {"TEXT": {"REGEX": org["head_token"]}}
        middle = {
            "TEXT": {"REGEX": org["middle_token"], "NOT_IN": org["middle_stop"]},
            "OP": f"{{0,{org['max_middle']}}}",
        }
        suffix = {"TEXT": {"REGEX": org["suffix_token"]}}
        strong = {"TEXT": {"IN": sorted(self._org_names - self._generic)}}
        self.matcher.add(
            ORG,
            [
                [{**admin, "OP": "+"}, middle, suffix],
                [head, middle, suffix],
                [suffix, {**middle, "OP": "{0,2}"}, suffix],
            ],
            greedy="LONGEST",
        )
        self.matcher.add("ORG_NAME", [[strong]])
        self.matcher.add("ORG_SINGLE", [[{"TEXT": {"REGEX": org["single_token"]}}]])
        inner = {"ORTH": {"NOT_IN": [law["open"], law["close"]]},
                 "TEXT": {"REGEX": law["title_token"]}, "OP": "+"}
        line_break = {"TEXT": {"REGEX": law["title_line_break"]}}
        self.matcher.add(
            LAW,
            [
                [{"ORTH": law["open"]}, inner, {"ORTH": law["close"]}],
                [{"ORTH": law["open"]}, line_break, inner, line_break, {"ORTH": law["close"]}],
            ],
            greedy="LONGEST",
        )
        self.matcher.add("LAW_UNMARKED", [[{"ORTH": {"IN": sorted(self._unmarked_laws)}}]])
        num = {"TEXT": {"REGEX": qty["number_token"]}}
        pct = {"TEXT": {"REGEX": qty["percent_token"]}}
        fused = {"TEXT": {"REGEX": qty["fused_token"]}}
        unit = {"TEXT": {"IN": qty["unit"]}}
        after = {"TEXT": {"IN": qty["approx_after"]}, "OP": "?"}
        before = {"TEXT": {"IN": qty["approx_before"]}, "OP": "?"}
        rng = {"TEXT": {"IN": qty["range"]}}
        sign = {"TEXT": {"IN": qty["percent_sign"]}}
        pct_word = {"TEXT": {"REGEX": qty["percent_word_token"]}}
        pct_prefix = {"TEXT": {"IN": sorted(qty["percent_words"])}}
        self.matcher.add(
            QUANTITY,
            [
                [before, num, after, unit, after],
                [before, num, after, {"ORTH": "个"}, {"ORTH": "百分点"}],
                [before, num, rng, num, after, unit, after],
                [before, num, after, sign, after],
                [before, pct, after],
                [before, pct, rng, pct],
                [before, num, rng, pct],
                [before, num, sign, rng, num, sign],
                [before, fused, after],
                [before, pct_word, after],
                [before, pct_prefix, num, after],
                [before, pct_word, rng, pct_word, after],
                [before, pct_word, rng, num, after],
            ],
            greedy="LONGEST",
        )
        self._qty = qty
        self._fused = compile_pattern(qty["fused_token"], "quantity.json")
        self._year = compile_pattern(qty["year_number"], "quantity.json")
        self._percent_units = {to_halfwidth(u) for u in qty["percent_sign"]} | set(
            qty["percent_words"].values())
        self._units_by_length = sorted(qty["unit"] + qty["percent_sign"], key=len, reverse=True)

    def __call__(self, doc: Doc) -> Doc:
        if self.merge == "off":
            doc.ents = self.find(doc)
        else:
            doc.ents = self.combine(doc, list(doc.ents), mode=self.merge, model_labels=self.model_labels)
        return doc

    def combine(
        self, doc: Doc, upstream: list[Span], *, mode: str, model_labels: tuple[str, ...] | list[str]
    ) -> list[Span]:
        """The rule entities of ``doc`` merged with ``upstream`` (a ner's spans) under ``mode``."""
        mode, model_labels = _check_merge(mode, model_labels)
        rules = self.find(doc)
        if mode == "off":
            return rules
        text = doc.text
        blocked = enclosed_ranges(text, self._qty["blocked_enclosures"])
        titles = enclosed_ranges(text, [[self.data["law"]["open"], self.data["law"]["close"]]])
        model: list[Span] = []
        for span in upstream:
            if span.label_ not in model_labels:
                continue
            if span.label_ == QUANTITY:
                checked = self._quantity(doc, span, blocked)
            elif span.label_ == ORG:
                checked = self._org(ORG, span, titles)
            else:
                checked = Span(doc, span.start, span.end, label=span.label_)
            checked = _trim(checked) if checked is not None else None
            if checked is not None:
                model.append(checked)
        return merge_spans(rules, model, mode=mode, model_labels=model_labels)

    def find(self, doc: Doc) -> list[Span]:
        text = doc.text
        blocked = enclosed_ranges(text, self._qty["blocked_enclosures"])
        titles = enclosed_ranges(text, [[self.data["law"]["open"], self.data["law"]["close"]]])
        quotes = enclosed_ranges(text, [["“", "”"], ["\"", "\""]])
        spans: list[Span] = []
        for match_id, start, end in self.matcher(doc):
            key = self.vocab.strings[match_id]
            span = doc[start:end]
            if key == LAW:
                span = Span(doc, start + 1, end - 1, label=LAW)
                if not self.is_document_title(span.text):
                    continue
            elif key == "LAW_UNMARKED":
                if _inside(span.start_char, span.end_char, quotes + titles):
                    continue
                span = Span(doc, start, end, label=LAW)
            elif key == QUANTITY:
                span = self._quantity(doc, span, blocked)
            else:
                span = self._org(key, span, titles)
            span = _trim(span) if span is not None else None
            if span is not None:
                spans.append(span)
        return _resolve(spans)

    def is_document_title(self, title: str) -> bool:
        """Whether a title in 《》 names a law, regulation, normative document, plan, scheme, list or
        chart: it ends in a document type (law.json ``document_endings``) once trailing
        parentheticals and draft markers (（试行）, （2021—2025年）, 草案) are taken off."""
        core, previous = to_halfwidth(title).strip(), None
        while core and core != previous:
            previous, core = core, self._title_strip.sub("", core)
        if not core:
            return False
        if self._document_title.search(core):
            return True
        return core.endswith(self._document_endings) and not core.endswith(self._not_document_endings)

    def _org(self, key: str, span: Span, titles) -> Span | None:
        text = span.text
        if _inside(span.start_char, span.end_char, titles):
            return None
        if text in self._generic:
            return None
        if key == "ORG_SINGLE" and (text in self._single_stop or self._self_ref.match(text)):
            return None
        if key == ORG and self._self_ref.match(text) and text not in self._org_names:
            return None
        return Span(span.doc, span.start, span.end, label=ORG)

    def _quantity(self, doc: Doc, span: Span, blocked) -> Span | None:
        if _inside(span.start_char, span.end_char, blocked):
            return None
        prev = doc[span.start - 1].text if span.start > 0 else ""
        if prev in self._qty["ordinal_before"] or prev.endswith("第"):
            return None
        parsed = self.normalise(span.text)
        if parsed is None:
            return None
        number_text, unit = parsed["number_text"], parsed["unit"]
        if number_text == self._qty["article_numeral"] and unit not in self._percent_units:
            return None
        if unit == self._qty["year_unit"] and self._year.match(number_text):
            return None
        if span.end < len(doc) and doc[span.end].text.startswith(("年", "月", "日", "号")) and not unit:
            return None
        out = Span(doc, span.start, span.end, label=QUANTITY)
        out._.value = parsed["value"]
        out._.value_max = parsed["value_max"]
        out._.unit = unit
        out._.approx = parsed["approx"]
        return out

    def normalise(self, surface: str) -> dict | None:
        """Value, unit and approximation of a quantity: 13万余人 → 130000, 人, 余."""
        text = "".join(to_halfwidth(surface).split())
        approx = None
        for marker in self._qty["approx_before"]:
            if text.startswith(marker):
                approx, text = marker, text[len(marker):]
        for marker in sorted(self._qty["approx_after"], key=len, reverse=True):
            if text.endswith(marker):
                approx, text = marker, text[: -len(marker)]
                break
        unit = ""
        for word, word_unit in self._qty["percent_words"].items():
            if text.startswith(word):
                unit, text = word_unit, text.replace(word, "")
                break
        for candidate in self._units_by_length if not unit else ():
            candidate = to_halfwidth(candidate)
            if text.endswith(candidate):
                unit, text = candidate, text[: -len(candidate)]
                break
        for marker in ("余", "多"):
            if text.endswith(marker):
                approx, text = marker, text[:-1]
        while len(unit) > 1 and unit[0] in "万亿":
            text, unit = text + unit[0], unit[1:]
        parts = re.split(r"[至到\-—～~－]", text)
        parts = [p.rstrip("%‰") for p in parts if p]
        if not parts or len(parts) > 2:
            return None
        values = [parse_number(p) for p in parts]
        if any(v is None for v in values):
            return None
        if unit == "个百分点":
            unit = "百分点"
        return {
            "value": tidy(values[0]),
            "value_max": tidy(values[1]) if len(values) == 2 else None,
            "unit": unit,
            "approx": approx,
            "number_text": parts[0],
        }


def _check_merge(mode: str, model_labels) -> tuple[str, tuple[str, ...]]:
    if mode not in MERGE_MODES:
        raise ValueError(Errors.E060.format(mode=mode, modes=", ".join(MERGE_MODES)))
    for label in model_labels:
        if label not in ENTITY_LABELS:
            raise ValueError(Errors.E007.format(label=label, labels=", ".join(ENTITY_LABELS)))
    return mode, tuple(model_labels)


def merge_spans(
    rules: list[Span], model: list[Span], *, mode: str, model_labels: tuple[str, ...] | list[str]
) -> list[Span]:
    """Non-overlapping union of rule and model spans; earlier groups win (see the module doc)."""
    longest_first = sorted(model, key=lambda s: (-(s.end - s.start), s.start))
    if mode == "rules_first":
        groups = [rules, longest_first]
    elif mode == "model_first":
        groups = [
            [s for s in rules if s.label_ not in model_labels],
            longest_first,
            [s for s in rules if s.label_ in model_labels],
        ]
    elif mode in ("extend", "prefix"):
        owned = [s for s in rules if s.label_ in model_labels]
        extensions = [
            m for m in longest_first
            if any(r.label_ == m.label_ and r.end == m.end and m.start < r.start for r in owned)
        ]
        groups = [[s for s in rules if s.label_ not in model_labels], extensions, owned]
        if mode == "extend":
            groups.append(longest_first)
    else:
        raise ValueError(Errors.E060.format(mode=mode, modes=", ".join(MERGE_MODES)))
    taken: list[Span] = []
    occupied: set[int] = set()
    for group in groups:
        for span in group:
            tokens = set(range(span.start, span.end))
            if tokens & occupied:  # also skips a span listed in two groups once it is taken
                continue
            taken.append(span)
            occupied |= tokens
    return sorted(taken, key=lambda s: s.start)


def _trim(span: Span) -> Span | None:
    """The span without whitespace tokens at its edges (None when nothing is left).

    Entity spans never start or end with whitespace; the extensions set on ``span`` are kept.
    """
    start, end = span.start, span.end
    doc = span.doc
    while start < end and not doc[start].text.strip():
        start += 1
    while end > start and not doc[end - 1].text.strip():
        end -= 1
    if start == end:
        return None
    if (start, end) == (span.start, span.end):
        return span
    out = Span(doc, start, end, label=span.label_)
    for name in ("value", "value_max", "unit", "approx"):
        setattr(out._, name, getattr(span._, name))
    return out


def _resolve(spans: list[Span]) -> list[Span]:
    """No overlaps: LAW first, then QUANTITY, then ORG; within a label the longest span wins."""
    spans = sorted(spans, key=lambda s: (_PRECEDENCE[s.label_], -(s.end - s.start), s.start))
    taken: list[Span] = []
    occupied: set[int] = set()
    for span in spans:
        tokens = set(range(span.start, span.end))
        if tokens & occupied:
            continue
        taken.append(span)
        occupied |= tokens
    return sorted(taken, key=lambda s: s.start)
