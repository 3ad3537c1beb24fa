"""Rule-based sentence tagger: section context from headings plus cue lexicons."""

from __future__ import annotations

import math
import re
from itertools import accumulate
from typing import NamedTuple

from spacy.language import Language
from spacy.tokens import Doc, Span

from ..data_files import compile_pattern, pattern_search
from ..errors import Errors
from ..labels import OTHER, QUANTITY, SENTENCE_LABELS, UNITS_KEY
from ..units import CLOSERS, END_MARKS, doc_text, is_blank
from .base import RuleComponent
from .sections import SPACED_DIGITS, SectionStack

# Written by policy_sentence_classifier when it runs; read here, so registered here too.
if not Span.has_extension("clf_scores"):
    Span.set_extension("clf_scores", default=None)


COMBINATIONS = ("pooled", "rules", "classifier")
LEAD_ON_MARKS = "，,：:"
BARE_LEAD_CHARS = 4  # 一是, 第一，, 其三
LEADS_ON = "leads_on"
# digits only: cue patterns are written with full-width punctuation (，。；), which
# numbers.to_halfwidth (NFKC) would turn into ASCII
FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
HEADING_YEAR = re.compile(r"((?:1[89]|20)[0-9]{2})(?=年)")


CUE_OPTIONS = ("under_any_heading", "not_under", "only_under")


class _Previous(NamedTuple):
    """The last body unit, as the paragraph carry looks back at it."""

    paragraph: int
    label: str
    evidence: float  # its score, for the carry also bounded by the rules' own
    carried: bool  # it took the paragraph carry
    leads_on: bool  # it ends open into the next line (主要原因，, a bare 一是)


def cue_entry(entry) -> tuple[str, float, dict]:
    """``[pattern, weight]`` or ``[pattern, weight, {options}]`` of cues.json, checked."""
    if not isinstance(entry, list) or len(entry) not in (2, 3) or (len(entry) == 3 and not isinstance(entry[2], dict)):
        raise ValueError(Errors.E008.format(path="cues.json", reason=f"cue {entry!r} is not [pattern, weight] "
                                            "or [pattern, weight, {options}]"))
    options = entry[2] if len(entry) == 3 else {}
    unknown = set(options) - set(CUE_OPTIONS)
    if unknown:
        raise ValueError(Errors.E008.format(path="cues.json", reason=f"unknown cue option(s) {sorted(unknown)}; "
                                            f"known: {', '.join(CUE_OPTIONS)}"))
    return entry[0], float(entry[1]), options


def _length_weighted(scores: list[dict[str, float] | None], texts: list[str]) -> dict[str, float] | None:
    """The classifier's probabilities for a sentence cut into pieces: each piece's, weighted by its length."""
    if any(s is None for s in scores):
        return None
    total = sum(len(t) for t in texts) or 1
    labels = {label for s in scores for label in s}
    return {label: sum(s.get(label, 0.0) * len(t) for s, t in zip(scores, texts, strict=True)) / total
            for label in labels}


def softmax(scores: dict[str, float]) -> dict[str, float]:
    top = max(scores.values())
    exp = {label: math.exp(value - top) for label, value in scores.items()}
    total = sum(exp.values())
    return {label: value / total for label, value in exp.items()}


@Language.factory(
    "policy_sentence_rules",
    default_config={"cues": "cues.json", "headings": "headings.json"},
)
def make_sentence_rules(nlp: Language, name: str, cues: str, headings: str):
    return SentenceRules(name, cues=cues, headings=headings)


class SentenceRules(RuleComponent):
    """Labels every unit in ``doc.spans["units"]``: ``span._.label``, ``score`` and ``scores``."""

    def _build(self) -> None:
        cues = self.data["cues"]
        # label, pattern, weight, suppressible, the contexts it does not count under, the only ones it counts under
        self.cues: list[tuple[str, object, float, bool, tuple[str, ...], tuple[str, ...]]] = []
        for label, entries in cues["cues"].items():
            if label not in SENTENCE_LABELS:
                raise ValueError(Errors.E006.format(label=label, labels=", ".join(SENTENCE_LABELS)))
            for entry in entries:
                pattern, weight, options = cue_entry(entry)
                self.cues.append((label, compile_pattern(pattern, "cues.json"), weight,
                                  not options.get("under_any_heading", False), tuple(options.get("not_under", ())),
                                  tuple(options.get("only_under", ()))))
        # The classifier searched the same cues in the same units just before: see PatternSearch.
        self.cue_search = pattern_search(pattern.pattern for _, pattern, *_ in self.cues)
        self.cue_hits = [(label, self.cue_search.index[pattern.pattern], weight, suppressible, not_under, only_under)
                         for label, pattern, weight, suppressible, not_under, only_under in self.cues]
        self.bias = {label: float(cues["bias"].get(label, 0.0)) for label in SENTENCE_LABELS}
        self.context_weight = float(cues["context_weight"])
        self.heading_context_weight = float(cues["heading_context_weight"])
        self.quantity_bonus = cues["quantity_bonus"]
        self.carry = cues["paragraph_carry"]
        self.carry_lists = bool(self.carry.get("lists"))
        # a pledge (必须…, 对…坚决…) closes the gaps: it takes no carry (guideline rule 3)
        self.carry_stop = compile_pattern(self.carry["stop"], "cues.json") if self.carry.get("stop") else None
        # contexts where a carried unit does not carry on to the next: see paragraph_carry.chain
        self.carry_unchained = (
            frozenset(self.carry.get("chain_not_under", ())) if self.carry.get("chain") else frozenset(SENTENCE_LABELS)
        )
        # a paragraph that opens with the period behind (这五年，…) goes on reporting it: see retrospective_carry
        self.retro = cues.get("retrospective_carry")
        if self.retro:
            self.retro_opener = compile_pattern(self.retro["opener"], "cues.json")
            self.retro_not_under = frozenset(self.retro.get("not_under", ()))
            self.retro_stop = compile_pattern(self.retro["stop"], "cues.json") if self.retro.get("stop") else None
        # a body unit that opens with a year already under review reports what happened then: see dated_past
        self.dated = cues.get("dated_past")
        if self.dated:
            self.dated_opener = compile_pattern(self.dated["opener"], "cues.json")
            if "year" not in self.dated_opener.groupindex:
                raise ValueError(Errors.E008.format(path="cues.json", reason="dated_past.opener has no group "
                                                    "named year: write the year as (?P<year>…)"))
            self.dated_under = frozenset(self.dated.get("only_under", ()))
        weights = cues["classifier_weight"]
        self.classifier_weight = {
            True: float(weights["with_context"]),
            False: float(weights["without_context"]),
        }
        self.classifier_confident = {
            label: (float(entry["min_prob"]), float(entry["weight"]))
            for label, entry in cues.get("classifier_confident", {}).items()
        }
        self.classifier_capped = {key: tuple(labels) for key, labels in cues.get("classifier_capped_under", {}).items()}
        self.combination = cues.get("combination", "pooled")
        if self.combination not in COMBINATIONS:
            raise ValueError(Errors.E018.format(value=self.combination, allowed=", ".join(COMBINATIONS)))
        self.subheading_overrides = set(cues["subheading_overrides"])
        self.suppressed_under = {key: tuple(labels) for key, labels in cues.get("suppressed_under", {}).items()}
        self.sections = [
            (entry["label"], compile_pattern(entry["pattern"], "headings.json"))
            for entry in self.data["headings"]["sections"]
        ]

    def cue_scores(self, text: str, context: str | None, *, weight: float | None = None) -> dict[str, float]:
        scores = dict(self.bias)
        if context:
            scores[context] += self.context_weight if weight is None else weight
        suppressed = self.suppressed_under.get(context, ()) if context else ()
        hits = self.cue_search(text)
        for label, i, cue_weight, suppressible, not_under, only_under in self.cue_hits:
            if (hits[i] and not (suppressible and label in suppressed) and context not in not_under
                    and (not only_under or context in only_under)):
                scores[label] += cue_weight
        return scores

    def __call__(self, doc: Doc) -> Doc:
        if UNITS_KEY not in doc.spans:
            raise ValueError(Errors.E015.format(name="policy_structure"))
        sections = SectionStack(self.sections, self.subheading_overrides, self.data["headings"].get("section_flow"))
        text = doc_text(doc)
        # quantity[i]: QUANTITY tokens before token i, so a unit's count is one subtraction.
        flags = bytearray(len(doc))
        not_units = self.quantity_bonus.get("not_units", ())
        for ent in doc.ents:
            if ent.label_ == QUANTITY and ent._.unit not in not_units:
                flags[ent.start : ent.end] = b"\x01" * len(ent)
        quantity = list(accumulate(flags, initial=0))
        previous: _Previous | None = None
        units = list(doc.spans[UNITS_KEY])
        exts = [span._ for span in units]  # one extension accessor per unit: each `span._` builds a new one
        texts = [text[span.start_char : span.end_char] for span in units]
        ends = self._sentence_ends(exts, texts)
        shared: dict[str, float] | None = None  # the scores of the sentence the current unit goes on with
        # heading level -> the last list lead at that level passes the carry on (True), even under a
        # heading that breaks chains (LEADS_ON: the list hangs off a lead-in that ends open, 主要原因，)
        list_carry: dict[int, bool | str] = {}
        retro: tuple[int, bool] | None = None  # paragraph, and whether its last unit passes the retrospective carry on
        review_year: int | None = None  # the latest year a review heading names (一、2023年工作回顾)
        for i, span in enumerate(units):
            ext = exts[i]
            if ext.is_chrome:
                self._set(ext, {label: (1.0 if label == OTHER else 0.0) for label in SENTENCE_LABELS})
                continue
            level, paragraph = ext.heading_level, ext.paragraph
            own, context = sections.enter(texts[i], level)
            if self.dated and level and own == self.dated["label"]:
                review_year = max([review_year or 0, *self._heading_years(texts[i])]) or None
            if shared is not None and i and ends[i - 1] == ends[i]:  # a later piece of a broken sentence
                label, score = self._set(ext, shared)
                previous = _Previous(paragraph, label, score, previous.carried if previous else False,
                                     self._leads_on(texts[i], level))
                continue
            end = ends[i]
            span_text = "".join(texts[i:end])
            last = units[end - 1]
            carried = retro_carried = False
            previous_leads_on = previous is not None and previous.leads_on
            previous_paragraph = previous.paragraph if previous is not None else None
            if own:
                scores = self.cue_scores(span_text, own, weight=self.heading_context_weight)
            else:
                scores = self.cue_scores(span_text, context)
                if (
                    context not in self.quantity_bonus.get("not_under", ())
                    and quantity[last.end] > quantity[span.start]
                ):
                    scores[self.quantity_bonus["label"]] += float(self.quantity_bonus["weight"])
                carried = self._gap_carries(previous, list_carry, level, paragraph, context, span_text)
                if carried:
                    scores[self.carry["label"]] += float(self.carry["weight"])
                retro_carried = self._retrospective_carries(retro, level, paragraph, context, span_text)
                if retro_carried:
                    scores[self.retro["label"]] += float(self.retro["weight"])
                if self._dated_past(span_text, context, review_year):
                    scores[self.dated["label"]] += float(self.dated["weight"])
            clf = ext.clf_scores if end == i + 1 else _length_weighted([e.clf_scores for e in exts[i:end]], texts[i:end])
            leads_on = self._leads_on(texts[end - 1], level)
            if carried and leads_on:
                # a lead-in that takes the carry (主要原因， | 一是) says nothing of its own to classify
                clf = None
            caps = self.caps(own or context, carried=carried, retro_carried=retro_carried)
            probs = self.combine(scores, clf, has_context=bool(own or context), caps=caps)
            label, score = self._set(ext, probs)
            shared = probs if end > i + 1 else None
            # the carry starts from the rules' own evidence of a gap (同时也要看到…), not from the
            # classifier's vote alone, which one review sentence can tip over min_score
            evidence = min(score, softmax(scores)[label])
            previous = _Previous(paragraph, label, evidence, carried, leads_on)
            if self.retro:
                retro = (paragraph, not own and not level and label == self.retro["label"]
                         and (retro_carried or self.retro_opener.search(span_text) is not None))
            if not level and previous_paragraph != paragraph and not previous_leads_on:
                # a list hung off an open lead-in ends with the first paragraph that is not one of its
                # items (这些问题是多年积累起来的…): a later list (一是把…债务转为资本金) is a list of its own
                list_carry = {k: v for k, v in list_carry.items() if v != LEADS_ON}
            if level and self.carry_lists:
                sibling = list_carry.get(level)
                list_carry = {k: v for k, v in list_carry.items() if k < level}
                # only list leads (headings that set no label): 三、存在的问题 does not carry into 四、…
                passes = not own and label == self.carry["label"] and (evidence >= self.carry["min_score"] or carried)
                hangs = passes and carried and (previous_leads_on or sibling == LEADS_ON)
                list_carry[level] = LEADS_ON if hangs else passes
        return doc

    def _gap_carries(self, previous: _Previous | None, list_carry: dict[int, bool | str], level: int, paragraph: int,
                     context: str | None, text: str) -> bool:
        """Whether a body unit or list lead takes the paragraph carry (``paragraph_carry``): the
        unit before it in its paragraph (or on the line before, if that line leads on: 主要原因，)
        ended up the carry's label, sure enough or carried itself, or a list lead's sibling before
        it did; a pledge that closes the gaps (``stop``) takes none."""
        after_gap = (
            previous is not None
            and (not level or self.carry_lists)  # a list lead (一是) inside the paragraph
            and (previous.paragraph == paragraph or previous.leads_on)
            and previous.label == self.carry["label"]
            and (previous.evidence >= self.carry["min_score"]
                 or (previous.carried and (previous.leads_on or context not in self.carry_unchained)))
        ) or bool(level and list_carry.get(level)
                  and (context not in self.carry_unchained or list_carry[level] == LEADS_ON))
        return after_gap and not (self.carry_stop and self.carry_stop.search(text))

    @staticmethod
    def _leads_on(text: str, level: int) -> bool:
        """Whether a unit is the unfinished start of what the next line says: it ends in a comma or
        a colon (…困难和问题。主要原因，), or it is a bare list lead (一是, 第一，) on a line of its
        own, before the line that says what it leads to (企业管理体制…不适应…。). What it was
        labelled, the next line goes on with, across the line break and whatever the heading."""
        body = text.strip().rstrip(CLOSERS)
        return body[-1:] in LEAD_ON_MARKS or bool(level and len(body) <= BARE_LEAD_CHARS and body[-1:] not in END_MARKS)

    def _retrospective_carries(self, retro: tuple[int, bool] | None, level: int, paragraph: int,
                               context: str | None, text: str) -> bool:
        """Whether a body unit takes the retrospective carry: the unit before it in its paragraph
        opened with the period behind or was carried, and kept the label (``retrospective_carry``)."""
        return bool(
            self.retro and not level and retro == (paragraph, True)
            and context not in self.retro_not_under
            and not (self.retro_stop and self.retro_stop.search(text))
        )

    @staticmethod
    def _heading_years(text: str) -> list[int]:
        """The years a heading names, in full-width digits or spelled with spaces (关于1 9 9 8 年…) too."""
        folded = SPACED_DIGITS.sub("", text).translate(FULL_WIDTH_DIGITS)
        return [int(year) for year in HEADING_YEAR.findall(folded)]

    def _dated_past(self, text: str, context: str | None, review_year: int | None) -> bool:
        """Whether a body unit opens with a year no later than the year under review (``dated_past``):
        １９８４年中英两国政府正式签署联合声明。 in the 1997 report's task section on Hong Kong."""
        if not self.dated or review_year is None or context not in self.dated_under:
            return False
        match = self.dated_opener.search(text.translate(FULL_WIDTH_DIGITS))
        return match is not None and int(match.group("year")) <= review_year

    @staticmethod
    def _sentence_ends(exts, texts: list[str]) -> list[int]:
        """For each unit, the index after the last unit of its sentence. A page that breaks its lines
        inside sentences (the Wikisource State Council reports, at every link) cuts one sentence into
        several units (推动 | 区域全面经济伙伴关系协定 | （RCEP）生效实施…。); they share a paragraph and
        every piece but the last lacks an end mark. The pieces are labelled as one sentence."""
        ends = list(range(1, len(texts) + 1))
        following = None  # index of the next unit that is not blank
        for i in range(len(texts) - 1, -1, -1):
            if is_blank(texts[i]):  # a line of a zero-width space between two pieces does not part them
                continue
            ext = exts[i]
            if following is not None:
                nxt = exts[following]
                if (
                    not ext.is_chrome and not nxt.is_chrome and not ext.heading_level and not nxt.heading_level
                    and ext.paragraph == nxt.paragraph
                    and texts[i].rstrip(CLOSERS)[-1:] not in END_MARKS
                ):
                    ends[i : following] = [ends[following]] * (following - i)
            following = i
        return ends

    def caps(self, context: str | None = None, *, carried: bool = False, retro_carried: bool = False
             ) -> list[tuple[tuple[str, ...], str]]:
        """The classifier's votes capped for a unit: (labels, the label they may not exceed), from the
        heading's context (``classifier_capped_under``) and the carries the unit took
        (``paragraph_carry.classifier_capped``, ``retrospective_carry.classifier_capped``)."""
        out = []
        if context in self.classifier_capped:
            out.append((self.classifier_capped[context], context))
        if carried and self.carry.get("classifier_capped"):
            out.append((tuple(self.carry["classifier_capped"]), self.carry["label"]))
        if retro_carried and self.retro and self.retro.get("classifier_capped"):
            out.append((tuple(self.retro["classifier_capped"]), self.retro["label"]))
        return out

    def combine(
        self, rule_scores: dict[str, float], clf: dict[str, float] | None, *, has_context: bool = False,
        caps: list[tuple[tuple[str, ...], str]] = (),
    ) -> dict[str, float]:
        """The rule scores alone, or log-linear pooling with the classifier's probabilities
        (``combination`` in cues.json: ``pooled``, ``rules`` or ``classifier``). A label the
        classifier was not trained on gets a uniform share, so it neither wins nor vetoes. Under a
        heading context the classifier counts less: it learned its labels from the headings of
        other reports, so there it largely repeats evidence the rules already counted."""
        if clf is None or self.combination == "rules":
            return softmax(rule_scores)
        uniform = 1.0 / len(SENTENCE_LABELS)
        log_clf = {label: math.log(clf.get(label, uniform) + 1e-6) for label in SENTENCE_LABELS}
        if self.combination == "classifier":
            return softmax(log_clf)
        # under a task heading a target reads like a result (达到…, 取得…进展), in a list of gaps a gap
        # like a result: there the classifier may not vote such labels over the one the rules hold to
        for labels, ceiling in caps:
            for label in labels:
                log_clf[label] = min(log_clf[label], log_clf[ceiling])
        weight = self.classifier_weight[has_context]
        pooled = {label: rule_scores[label] + weight * log_clf[label] for label in SENTENCE_LABELS}
        if has_context:
            for label, (min_prob, bonus) in self.classifier_confident.items():
                if clf.get(label, 0.0) >= min_prob:
                    pooled[label] += bonus
        return softmax(pooled)

    @staticmethod
    def _set(ext, probs: dict[str, float]) -> tuple[str, float]:
        """Writes the label and score to a span's extension accessor (``span._``) and returns them."""
        label = max(probs, key=probs.get)
        ext.scores = probs
        ext.label = label
        ext.score = score = round(probs[label], 4)
        return label, score
