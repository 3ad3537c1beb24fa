"""Rule-based entities: LAW titles, QUANTITY with normalised values, ORG from a gazetteer.

Candidates come from spaCy's ``Matcher`` with token patterns built from the data files (their
word tests set as lexeme flags, see ``EntityRules._set_flags``); a few checks on the surrounding characters then drop what the guideline
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
- ``prefix``: ``extend`` without most of the model's other spans: the model lends the
  administrative prefix to rule spans, and adds only the ORG spans whose last word ends in one
  of ``org.json`` ``model_name_endings`` (universities, hospitals, companies: bodies no gazetteer
  lists) where they overlap nothing. A hand check of all that the model adds beyond the rules on
  held-out reports found precision 0.42 (models/ner/MODEL_CARD.md), about half the rules' own.

ORG candidates found only by an institution's kind (a place + 大学, 研究院, 集团 …; a one-word lab
name + 实验室) yield to a ner span that overlaps them without lying inside them: the ner reads the
whole name (四川大学华西医院西藏医院) where the rule sees its last part (西藏医院).

Model spans pass the same guideline checks as rule candidates (nothing inside a 《》 title but the
LAW; no generic classes or self references as ORG; QUANTITY must normalise and is not an ordinal,
year or date), and QUANTITY spans get their normalised value either way.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from spacy.attrs import ORTH
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span

from ..data_files import compile_pattern
from ..errors import Errors
from ..labels import ENTITY_LABELS, LAW, ORG, QUANTITY
from ..numbers import parse_number, tidy, to_halfwidth
from ..units import doc_text
from . import trained_ner  # noqa: F401  (registers policy_trained_ner, the upstream ner merged here)
from .base import RuleComponent

for _name in ("value", "value_max", "unit", "approx"):
    if not Span.has_extension(_name):
        Span.set_extension(_name, default=None)

_PRECEDENCE = {LAW: 0, QUANTITY: 1, ORG: 2}
_QUOTES = [["“", "”"], ["\"", "\""]]
MERGE_MODES = ("off", "rules_first", "model_first", "extend", "prefix")
# Matcher keys of ORG candidates found by an institution's kind (see EntityRules._candidates).
INSTITUTION, NAMED_INSTITUTION = "ORG_INSTITUTION", "ORG_NAMED_INSTITUTION"


_LINE_BREAKS = "\n\r\u2028\u2029"
_LIST_MARKS = "、，,；;"
_RUN_ENDS = "，,；;。：:\n"  # a 、-list runs between these
_RUN_REACH = 300  # characters looked at on each side for them
_JOINING_WORDS = frozenset({"和", "与", "及", "或", "以及", "并", "同"})
_FRACTION = re.compile(r"^([0-9]+)/([0-9]+)$")
_ORDINAL_NUMBER = re.compile(r"第[0-9〇零一二两三四五六七八九十百]+$")
_LEADING_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?(?=[^0-9.])")
_RATIO_SIGNS = "[∶:]"  # after to_halfwidth, which reads ： as :
_DECIMAL = re.compile(r"^[0-9]+(?:\.[0-9]+)?$")
_INNER_APPROX = re.compile(r"^([0-9.]+)(余|多)([十百千万亿]+)$")

# Lexeme flags 1-18 are spaCy's own attributes (IS_ALPHA ... IS_CURRENCY) and FLAG19-FLAG63 are
# left to users; Vocab.add_flag without an id takes the lowest free one, so the word tests take
# theirs from the top.
_USER_FLAGS = range(63, 18, -1)
# Words whose flags are kept (by string id); the 76 reports of corpus/reports have about 30,000.
_WORDS_KEPT = 100_000


def enclosed_ranges(text: str, opener: str, closer: str) -> list[tuple[int, int]]:
    """Character ranges (inclusive of the marks) enclosed by an opening/closing pair of marks.

    A pair does not cross a line break (units end at line breaks): a mark left open at the end
    of a line encloses nothing.
    """
    if opener not in text:
        return []
    # The regex engine skips to the next mark or line break; a loop over every character in
    # Python was a tenth of this component's time.
    ranges = []
    depth, start = 0, 0
    for mark in re.finditer(f"[{re.escape(opener + closer)}{_LINE_BREAKS}]", text):
        char, i = mark.group(), mark.start()
        if char in _LINE_BREAKS:
            depth = 0
        elif char == opener and not (opener == closer and depth):
            if depth == 0:
                start = i
            depth += 1
        elif depth:
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
        # The schema of pattern validation knows no flag ids as keys.
        self.matcher = Matcher(self.vocab, validate=False)
        self._word_tests: list[tuple[int, Callable[[str], bool]]] = []  # (flag id, test)
        # a name phrase names one body even where it starts like a self reference (全国人民代表大会)
        self._org_names = set(org["names"]) | {"".join(phrase) for phrase in org["name_phrases"]}
        self._unmarked_laws = set(law["unmarked"])
        self._title_strip = compile_pattern(law["title_strip"], "law.json")
        self._document_title = compile_pattern(law["document_title"], "law.json")
        self._document_endings = tuple(sorted(law["document_endings"], key=len, reverse=True))
        self._not_document_endings = tuple(law["not_document_endings"])
        self._generic = set(org["generic"])
        self._single_stop = set(org["single_token_stop"])
        self._not_name_endings = tuple(org["not_name_endings"])
        self._model_name_endings = tuple(org["model_name_endings"])
        self._not_before = tuple(org["not_before"])
        self._not_before_reach = max(map(len, self._not_before), default=0)
        slogan = org.get("numbered_slogan", {})
        self._slogan_numerals = frozenset(slogan.get("numerals", ""))
        self._slogan_areas = frozenset(slogan.get("areas", ""))
        self._not_inside = (*_LIST_MARKS, *org["not_inside"])
        firms = org["listed_firms"]
        self._firm_list = compile_pattern(firms["pattern"], "org.json")
        self._firm_lead_words = frozenset(firms["lead_words"])
        self._not_firm_endings = tuple(firms["not_item_endings"])
        self._not_admin = set(org["not_admin"])
        known = sorted({name for group in org["known_names"].values() for name in group}, key=len, reverse=True)
        self._known_set = frozenset(known)
        self._known_names = re.compile("|".join(map(re.escape, known))) if known else None
        self._designation = compile_pattern(org["designation"], "org.json")
        self._class_prefix = compile_pattern(org["class_prefix"], "org.json")
        named = org["named_institution"]
        self._named_follows = frozenset(named["follows"])
        self._title_words = tuple(org["title_words"])
        self._common_words = frozenset(org["common_words"].split())
        self._fused_area = frozenset(org["fused_area"])
        self._fused_area_heads = frozenset(org.get("fused_area_heads", ()))
        self._verbs = frozenset(org["verbs"].split()) | frozenset(org.get("report_verbs", ()))
        topic = org["lab_topic"]
        self._topic_endings = tuple(topic["endings"])
        self._max_topic_words = int(topic["max_words"])
        self._topic_word = compile_pattern(org["middle_token"], "org.json")
        self._institution_word = compile_pattern(org["institution_token"], "org.json")
        self._middle_stops = frozenset([*org["middle_stop"], *org["institution_middle_stop"]])
        self._sector_names = frozenset(org["sector_lists"]["names"])
        self._sector_items = frozenset(org["sector_lists"]["items"])
        self._class_words = tuple(org["sector_lists"]["class_words"])
        self._self_ref = compile_pattern(org["self_reference"], "org.json")
        self._single = compile_pattern(org["single_token"], "org.json")
        admin = self._regex_test(org["admin_token"], "org.json", not_in=org["not_admin"])
        head = self._regex_test(org["head_token"], "org.json")
        middle = {
            **self._regex_test(org["middle_token"], "org.json", not_in=org["middle_stop"]),
            "OP": f"{{0,{org['max_middle']}}}",
        }
        # a word that only ends like a body (大局, 控股) ends no name, so a match stops before it
        suffix = self._regex_test(org["suffix_token"], "org.json", not_ending=self._not_name_endings)
        strong = self._in_test(self._org_names - self._generic)
        region = {**self._regex_test(org["region_token"], "org.json"), "OP": "*"}
        phrases = [[{"ORTH": word} for word in phrase] for phrase in org["suffix_phrases"]]
        # Institutions by their kind (大学, 研究院, 集团 …) need a name start the gazetteer knows: a
        # province, 中国, or an administrative prefix with a name after it (省产业技术研究院).
        institution = self._regex_test(org["institution_token"], "org.json", not_ending=self._not_name_endings)
        starts = compile_pattern(f"(?:{org['region_token']})|(?:{org['institution_start']})", "org.json")
        places = self._places = frozenset(org["place_names"])
        self._admin_word = compile_pattern(org["admin_token"], "org.json")
        institution_start = self._word_test(lambda word: word in places or starts.search(word) is not None)
        academy = self._regex_test(org["academy_token"], "org.json")  # 中国 | 科学院 | 工业 … | 研究所
        institution_middle = self._regex_test(org["middle_token"], "org.json", not_in=self._middle_stops)
        self.matcher.add(
            INSTITUTION,
            [
                [{**institution_start, "OP": "+"}, {**academy, "OP": "?"}, {**institution_middle, "OP": "{0,3}"},
                 institution],
                [region, {**admin, "OP": "+"}, {**institution_middle, "OP": "{1,3}"}, institution],
                [region, {**admin, "OP": "+"}, self._in_test(org["admin_institutions"])],  # 省博物馆
            ],
            greedy="LONGEST",
        )
        name_word = self._regex_test(named["name_token"], "org.json",
                                     not_in=[*named["not_names"], *self._common_words])
        self.matcher.add(
            NAMED_INSTITUTION,
            [[name_word, self._in_test(named["endings"])],
             *([name_word, *({"ORTH": word} for word in titled)] for titled in named["titled_endings"])],
        )
        self.matcher.add(
            ORG,
            [
                [region, {**admin, "OP": "+"}, middle, suffix],
                [{**region, "OP": "+"}, suffix],
                [{**region, "OP": "+"}, head],
                [head, middle, suffix],
                [suffix, {**middle, "OP": "{0,2}"}, suffix],
                *([region, {**admin, "OP": "+"}, middle, *phrase] for phrase in phrases),
                *([{"ORTH": word} for word in phrase] for phrase in org["name_phrases"]),
                # the congress of a term: 第十四 | 届 | 全国 | 人民 | 代表大会
                *([self._regex_test(org["term_token"], "org.json"), {"ORTH": "届"},
                   *({"ORTH": word} for word in phrase)] for phrase in org["name_phrases"]),
            ],
            greedy="LONGEST",
        )
        inner = {**self._regex_test(law["title_token"], "law.json", not_in=[law["open"], law["close"]]),
                 "OP": "+"}
        line_break = self._regex_test(law["title_line_break"], "law.json")
        self.matcher.add(
            LAW,
            [
                [{"ORTH": law["open"]}, inner, {"ORTH": law["close"]}],
                [{"ORTH": law["open"]}, line_break, inner, line_break, {"ORTH": law["close"]}],
            ],
            greedy="LONGEST",
        )
        unmarked = self._in_test(self._unmarked_laws)
        self.matcher.add("LAW_UNMARKED", [[{"ORTH": {"IN": law["unmarked_prefixes"]}, "OP": "+"}, unmarked]],
                         greedy="LONGEST")  # 香港 | 特别 | 行政区 | 基本法
        # Rules of one word are read off the flags, which is cheaper than a Matcher pass.
        self._word_rules = [
            (self.vocab.strings.add(key), 1 << next(iter(test)))
            for key, test in [("ORG_NAME", strong),
                              ("ORG_SINGLE", self._regex_test(org["single_token"], "org.json",
                                                             not_ending=self._not_name_endings)),
                              ("LAW_UNMARKED", unmarked)]
        ]
        num = self._regex_test(qty["number_token"], "quantity.json")
        pct = self._regex_test(qty["percent_token"], "quantity.json")
        fused = self._regex_test(qty["fused_token"], "quantity.json")
        unit = self._in_test(qty["unit"])
        after = {**self._in_test(qty["approx_after"]), "OP": "?"}
        before = {**self._in_test(qty["approx_before"]), "OP": "?"}
        # no pattern is anchored by these, so plain ORTH sets: the vocab's flags are few
        rng = {"ORTH": {"IN": qty["range"]}}
        sign = {"ORTH": {"IN": qty["percent_sign"]}}
        pct_word = self._regex_test(qty["percent_word_token"], "quantity.json")
        pct_prefix = self._in_test(qty["percent_words"])
        large = self._regex_test(qty["large_number_token"], "quantity.json")
        fraction = self._regex_test(qty["fraction_token"], "quantity.json")
        # one anchor flag for the three: a ratio, a fraction in words, a share word
        proportion = self._regex_test(f"(?:{qty['ratio_token']})|(?:{qty['fraction_word']})|"
                                      + "|".join(f"^{re.escape(w)}$" for w in qty["share_words"]),
                                      "quantity.json")
        ratio_sign = {"ORTH": {"IN": qty["ratio_signs"]}}
        per = {"ORTH": {"IN": qty["unit_per"]}}
        per_only = {"ORTH": {"IN": [u for u in qty["per_units"] if u not in qty["unit"]]}}
        mult = {**self._in_test(qty["multiplier"]), "OP": "?"}
        # 6.3万 | 户 | 次: the segmenter parts a count of visits (户次, 辆次) from its 次
        visits = {"ORTH": {"IN": [u[:-1] for u in qty["unit"] if len(u) > 1 and u.endswith("次")]}}
        magnitude = self._regex_test(qty["magnitude"]["token"], "quantity.json")
        quantity = [
            [before, num, after, mult, unit, after],
            [before, num, after, unit, per, unit, after],
            [before, num, after, mult, unit, per, per_only, after],
            [before, num, after, mult, unit, {"ORTH": {"IN": ["（", "("]}}, unit, {"ORTH": {"IN": ["）", ")"]}}, after],
            [before, large, after],
            [before, fraction, after],
            [before, proportion, after],
            [before, magnitude],
            [num],  # a bare number: only a ratio named without its sign (see _quantity)
            [before, num, ratio_sign, num, {**ratio_sign, "OP": "?"}, {**num, "OP": "?"}, after],
            [before, num, after, {"ORTH": "个"}, {"ORTH": {"IN": ["百分点", "月", "季度"]}}, after],
            [before, pct, {"TEXT": {"REGEX": f"^(?:{'|'.join(map(re.escape, qty['range']))})[0-9０-９.．]+[%％‰]$"}}],
            [before, num, after, mult, visits, {"ORTH": "次"}, after],
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
        ]
        self._quantity_matcher = Matcher(self.vocab, validate=False)
        self._quantity_matcher.add(QUANTITY, quantity, greedy="LONGEST")
        self._anchors, self._reach_before, self._reach_after = _anchors(quantity)
        self._marked_flags = self._anchors | sum(flag for _, flag in self._word_rules)
        self._qty = qty
        self._ordinal_units = frozenset(qty["ordinal_units"])
        self._recent_units = frozenset(qty["recent_units"])
        self._cut_after_number = frozenset(qty["cut_after_number"])
        self._magnitude = compile_pattern(qty["magnitude"]["token"], "quantity.json")
        self._magnitude_leads = tuple(sorted(qty["magnitude"]["leads"], key=len, reverse=True))
        self._long_units = sorted((u for u in qty["unit"] if len(u) > 1), key=len, reverse=True)
        self._number_word = compile_pattern(f"(?:{qty['number_token']})|(?:{qty['large_number_token']})",
                                            "quantity.json")
        self._level_count = qty["level_count"]
        self._level_before = compile_pattern(self._level_count["before"], "quantity.json")
        self._level_after = compile_pattern(self._level_count["after"], "quantity.json")
        self._duration_article = compile_pattern(qty["duration_article"], "quantity.json")
        self._name_after = compile_pattern(qty["name_after"], "quantity.json")
        self._glossary_mark = compile_pattern(qty["glossary_mark"], "quantity.json")
        self._class_after = compile_pattern(qty["class_after"], "quantity.json")
        self._title_marks = [law["open"], law["close"]]
        self._fused = compile_pattern(qty["fused_token"], "quantity.json")
        self._clock_time = compile_pattern(qty["clock_time"], "quantity.json")
        self._bare_ratio_context = compile_pattern(qty["bare_ratio_context"], "quantity.json")
        self._large = compile_pattern(qty["large_number_token"], "quantity.json")
        self._fraction_word = compile_pattern(qty["fraction_word"], "quantity.json")
        self._year = compile_pattern(qty["year_number"], "quantity.json")
        self._ordinal_after = compile_pattern(qty["ordinal_after"], "quantity.json")
        self._percent_units = {to_halfwidth(u) for u in qty["percent_sign"]} | set(
            qty["percent_words"].values())
        self._units_by_length = sorted(qty["unit"] + qty["percent_sign"], key=len, reverse=True)
        self._unit_words = frozenset(qty["unit"]) | frozenset(qty["per_units"])  # what may end a rate or fill brackets
        self._alternative_unit = compile_pattern(qty["alternative_unit"], "quantity.json")
        self._shared_unit_joiners = frozenset(qty.get("shared_unit_joiners", ()))
        self._other_flags = ~sum(1 << flag for flag, _ in self._word_tests) & (1 << 64) - 1
        self._masks: dict[int, int] = {}  # string id -> flags of the word tests
        self._cuts: dict[int, tuple[str, str] | None] = {}  # string id -> split_fused_words' cut

    def _regex_test(self, pattern: str, path: str, not_in=(), not_ending=()) -> dict[int, bool]:
        regex, excluded, endings = compile_pattern(pattern, path), frozenset(not_in), tuple(not_ending)
        return self._word_test(lambda word: word not in excluded and not word.endswith(endings)
                               and regex.search(word) is not None)

    def _in_test(self, words) -> dict[int, bool]:
        return self._word_test(frozenset(words).__contains__)

    def _word_test(self, test: Callable[[str], bool]) -> dict[int, bool]:
        """A pattern token for a test on the word, read by the Matcher as a lexeme flag."""
        taken = {flag for flag, _ in self._word_tests} | set(self.vocab.lex_attr_getters)
        flag = next((i for i in _USER_FLAGS if i not in taken), None)
        if flag is None:
            raise ValueError(Errors.E024.format(name=self.name))
        self._word_tests.append((flag, test))
        return {flag: True}

    def _matches(self, doc: Doc) -> list[tuple[int, int, int]]:
        """``(match_id, start, end)`` of every rule.

        QUANTITY patterns are matched only around their anchors (see ``_anchors``), since matching
        all of them from every token was most of this component's time. Every QUANTITY match lies
        in the window of one of its anchors and windows do not overlap, so each match is found
        once, with the same longest-first choice among overlapping matches.
        """
        orths = doc.to_array(ORTH).tolist()
        marked = self._set_flags(set(orths))
        matches = self.matcher(doc)
        windows: list[list[int]] = []
        for i, orth in enumerate(orths):
            flags = marked.get(orth)
            if flags is None:
                continue
            matches.extend((key, i, i + 1) for key, flag in self._word_rules if flags & flag)
            if not flags & self._anchors:
                continue
            start, end = max(i - self._reach_before, 0), min(i + self._reach_after + 1, len(doc))
            if windows and start <= windows[-1][1]:
                windows[-1][1] = end
            else:
                windows.append([start, end])
        for start, end in windows:
            matches.extend((key, start + a, start + b) for key, a, b in self._quantity_matcher(doc[start:end]))
        return matches

    def _set_flags(self, orths: set[int]) -> dict[int, int]:
        """Sets the word tests as lexeme flags of the words ``orths``, right before matching;
        returns the flags of the words that match a one-word rule or anchor a QUANTITY match.

        The Matcher reads a flag in C, where its REGEX and IN predicates are Python calls per token
        and pattern. Flag getters of the vocab (``Vocab.add_flag``) would cost more: inside
        ``nlp.memory_zone()`` a document's lexemes are created anew for every document, each with
        a call per test; here each distinct word costs a dict lookup, its tests run once per
        ``_WORDS_KEPT`` words. Flags are set for every word, so none is stale after a rebuild with
        other rules, and no other user of a flag id is overwritten (ids registered with the vocab
        are skipped).
        """
        masks, strings, keep = self._masks, self.vocab.strings, self._other_flags
        vocab, wanted, marked = self.vocab, self._marked_flags, {}
        for orth in orths:
            mask = masks.get(orth)
            if mask is None:
                if len(masks) >= _WORDS_KEPT:
                    masks.clear()
                word = strings[orth]
                mask = masks[orth] = sum(1 << flag for flag, test in self._word_tests if test(word))
            lexeme = vocab[orth]
            lexeme.flags = lexeme.flags & keep | mask
            if mask & wanted:
                marked[orth] = mask
        return marked

    def split_fused_words(self, doc: Doc) -> Doc:
        """Cuts the words the segmenter fuses across a name's edge: a body's name and a title
        (人大代表 → 人大 | 代表; ``org.json`` ``title_words``), so the body is tagged as the guideline
        tags it inside a title, and a common word and the area a name starts with (组建省 → 组建 |
        省; ``fused_area``), so 省外贸集团 can be found."""
        orths = doc.to_array(ORTH).tolist()
        cut_of = self._cuts
        for orth in set(orths).difference(cut_of):  # each distinct word is judged once
            if len(cut_of) >= _WORDS_KEPT:
                cut_of.clear()
            word = self.vocab.strings[orth]
            cut_of[orth] = self._title_cut(word) or self._area_cut(word) or self._lead_cut(word)
        cuts = [(doc[i], *cut_of[orth]) for i, orth in enumerate(orths) if cut_of[orth] is not None]
        cuts += [(doc[i], *cut) for i in range(1, len(orths)) if cut_of[orths[i]] is None
                 and self._number_word.match(doc[i - 1].text) and (cut := self._unit_cut(doc[i].text, doc[i - 1].text))]
        if not cuts:
            return doc
        # Span groups (the units) keep token offsets, which a split shifts: they are rebuilt from
        # their character offsets, which it does not change (span extensions are keyed by those).
        groups = {key: [(s.start_char, s.end_char, s.label_) for s in group] for key, group in doc.spans.items()}
        with doc.retokenize() as retokenizer:
            for token, first, second in cuts:
                retokenizer.split(token, [first, second], heads=[(token, 1), (token, 1)])
        for key, spans in groups.items():
            doc.spans[key] = [doc.char_span(start, end, label=label) for start, end, label in spans]
        return doc

    def _lead_cut(self, word: str) -> tuple[str, str] | None:
        """``(lead, magnitude)`` for a word of a lead and a round magnitude (上万 → 上 | 万, 超百万 →
        超 | 百万; ``quantity.json`` ``magnitude``)."""
        for lead in self._magnitude_leads:
            if word.startswith(lead) and len(word) > len(lead) and self._magnitude.match(word[len(lead):]):
                return lead, word[len(lead):]
        return None

    def _unit_cut(self, word: str, number: str) -> tuple[str, str] | None:
        """``(unit, rest)`` for a word after ``number`` that fused a unit with what follows it
        (平方米村 → 平方米 | 村; ``quantity.json`` ``cut_after_number``), also where the number took
        the unit's first character (750千 | 伏定 → 伏 | 定)."""
        if word in self._cut_after_number:
            return word[:1], word[1:]
        if word in self._unit_words:
            return None
        # only 千 is both a multiplier and the first character of units (千伏, 千瓦, 千克, 千米)
        for head in ("", "千") if number.endswith("千") else ("",):
            unit = next((u for u in self._long_units if (head + word).startswith(u) and len(head + word) > len(u)
                         and len(u) > len(head)), None)
            if unit:
                return word[: len(unit) - len(head)], word[len(unit) - len(head):]
        return None

    def _title_cut(self, word: str) -> tuple[str, str] | None:
        """``(body, title)`` when ``word`` is a body's name + one of ``title_words``."""
        for title in self._title_words:
            body = word[: -len(title)]
            if word.endswith(title) and body and (body in self._org_names or self._single.match(body)):
                return body, title
        return None

    def _area_cut(self, word: str) -> tuple[str, str] | None:
        """``(common word, area)`` when ``word`` is one of ``common_words`` + an area of
        ``fused_area`` (组建省, 推动市)."""
        head, area = word[:-1], word[-1:]
        if area in self._fused_area and (head in self._common_words or head in self._fused_area_heads):
            return head, area
        return None

    def __call__(self, doc: Doc) -> Doc:
        if self.merge == "off":
            doc.ents = self.find(doc)
        else:
            self.split_fused_words(doc)  # before the ner's spans are read: a split shifts token offsets
            doc.ents = self.combine(doc, list(doc.ents), mode=self.merge, model_labels=self.model_labels)
        return doc

    def combine(
        self, doc: Doc, upstream: list[Span], *, mode: str, model_labels: tuple[str, ...] | list[str]
    ) -> list[Span]:
        """The rule entities of ``doc`` merged with ``upstream`` (a ner's spans) under ``mode``."""
        mode, model_labels = _check_merge(mode, model_labels)
        blocked, titles, quoted = self._enclosures(doc)
        candidates, by_kind = self._candidates(doc, blocked, titles, quoted)
        rules = self._resolved(doc, candidates)
        if mode == "off":
            return _join_adjacent_orgs(rules)
        rule_orgs = {(s.start, s.end) for s in rules if s.label_ == ORG}
        yielding = [s for s in rules if (s.start, s.end) in by_kind]
        rules = [s for s in rules if (s.start, s.end) not in by_kind]
        model: list[Span] = []
        for span in upstream:
            if span.label_ not in model_labels:
                continue
            if span.label_ == QUANTITY:
                checked = self._quantity(doc, span, blocked)
            elif span.label_ == ORG:
                checked = (None if self._took_a_word_along(span, rule_orgs) or self._holds_a_clause(span)
                           else self._org(ORG, span, titles))
            else:
                checked = Span(doc, span.start, span.end, label=span.label_)
            checked = _trim(checked) if checked is not None else None
            if checked is not None:
                model.append(checked)
        return _join_adjacent_orgs(merge_spans(rules, model, mode=mode, model_labels=model_labels,
                                               trusted_endings=self._model_name_endings, yielding=yielding))

    def _took_a_word_along(self, span: Span, rule_orgs: set[tuple[int, int]]) -> bool:
        """Whether a ner span is a rule ORG span with words before it that start no name: one word
        of ``common_words`` or one character (组建 + 省外贸集团, 请 + 市政协), or words among which is
        a verb (塞罕坝荣获 + 联合国): the ner took the clause along. An area (国家, 全国, 省) or a place
        may start a name."""
        rule_start = next((start for start in range(span.start + 1, span.end) if (start, span.end) in rule_orgs), None)
        if rule_start is None:
            return False
        before = [token.text for token in span.doc[span.start:rule_start]]
        if before[0].startswith("驻"):  # stationed in: 驻豫 + 人民解放军 is no prefix of the name
            return True
        if len(before) == 1:
            word = before[0]
            if ((word in self._common_words or len(word) == 1) and word not in self._places
                    and self._admin_word.search(word) is None):
                return True
        return any(word in self._verbs for word in before)

    def _holds_a_clause(self, span: Span) -> bool:
        """Whether a ner span joins two bodies: a joining word inside it (人大代表和政协), or a body's
        kind and a verb before its last word (新疆银行吸收合并库尔勒银行)."""
        inner = [token.text for token in span[:-1]]
        if any(word in _JOINING_WORDS for word in inner):
            return True
        return (any(word in self._verbs for word in inner)
                and any(self._institution_word.match(word) for word in inner))

    def find(self, doc: Doc) -> list[Span]:
        self.split_fused_words(doc)
        return self._find(doc, *self._enclosures(doc))

    def _enclosures(self, doc: Doc) -> tuple[list[tuple[int, int]], ...]:
        """Ranges blocked for QUANTITY, inside titles, inside quotes or titles.

        Each pair of marks is scanned once: the title marks and the quotes are blocked pairs too.
        """
        text = doc_text(doc)
        pairs = [*self._qty["blocked_enclosures"], *_QUOTES, self._title_marks]
        found = {(opener, closer): enclosed_ranges(text, opener, closer) for opener, closer in pairs}

        def enclosed(marks: list) -> list[tuple[int, int]]:
            return [r for opener, closer in marks for r in found[opener, closer]]

        titles = enclosed([self._title_marks])
        return enclosed(self._qty["blocked_enclosures"]), titles, enclosed(_QUOTES) + titles

    def _listed_firms(self, doc: Doc, titles) -> list[Span]:
        """The firms of a list ending in 等 + a leading-firm phrase (org.json ``listed_firms``)."""
        spans = []
        for match in self._firm_list.finditer(doc_text(doc)):
            start = match.start("items")
            for i, item in enumerate(match.group("items").split("、")):
                span = doc.char_span(start, start + len(item), alignment_mode="expand")
                start += len(item) + 1
                if span is None:
                    continue
                if i == 0:  # the regex may take the words before the first firm: 培育了超聚变
                    lead = [t.i for t in span if t.text in self._firm_lead_words]
                    if lead:
                        span = doc[lead[-1] + 1 : span.end]
                    elif span.start_char != match.start("items"):
                        continue  # the list starts inside a word: no firm name there
                if not span.text or span.text.endswith(self._not_firm_endings):
                    continue
                span = self._org(ORG, span, titles)  # also drops generic classes
                if span is not None:
                    spans.append(span)
        return spans

    def _known(self, doc: Doc, titles) -> list[Span]:
        """Firms, exchanges and international bodies of ``org.json`` ``known_names``, found in the
        text (the segmenter may cut them into several words) where their edges are word edges."""
        if self._known_names is None:
            return []
        spans = []
        for match in self._known_names.finditer(doc_text(doc)):
            span = doc.char_span(match.start(), match.end())
            if span is not None and (span := self._org(ORG, span, titles)) is not None:
                spans.append(span)
        return spans

    def _with_topic(self, span: Span) -> Span:
        """A lab with the field it works on before its name (生物育种 + 钟山实验室, 人工智能 + 陕西实验室):
        up to ``max_topic_words`` name words (not verbs, stop words or grades) back to punctuation, a
        verb or a word of ``follows``; without such a stop in reach the span stays as it is."""
        if not span.text.endswith(self._topic_endings):
            return span
        doc, start = span.doc, span.start
        for _ in range(self._max_topic_words + 1):
            if start == 0:
                break
            prev = doc[start - 1]
            word = prev.text
            if self._ends_a_name(prev) or word in self._verbs or word in self._middle_stops:
                break
            if not self._topic_word.match(word):
                return span
            start -= 1
        else:
            return span
        return Span(doc, start, span.end, label=span.label_) if start < span.start else span

    def _follows_boundary(self, doc: Doc, start: int) -> bool:
        """Whether a name may start at token ``start``: at the start, or after punctuation, a line
        break or a word of ``named_institution`` ``follows`` (支持嵩山实验室, 、神农实验室)."""
        return start == 0 or self._ends_a_name(doc[start - 1])

    def _ends_a_name(self, token) -> bool:
        """Whether no name runs back over ``token``: punctuation, a line break or a word of
        ``named_institution`` ``follows``."""
        return token.is_punct or token.is_space or token.text in self._named_follows

    def _find(self, doc: Doc, blocked, titles, quoted) -> list[Span]:
        return _join_adjacent_orgs(self._resolved(doc, self._candidates(doc, blocked, titles, quoted)[0]))

    def _resolved(self, doc: Doc, candidates: list[Span]) -> list[Span]:
        spans = _resolve(candidates)
        added, ordinals = self._shared_unit_quantities(doc, spans)
        return sorted([*(s for s in spans if s.start not in ordinals), *added], key=lambda s: s.start)

    def _shared_unit_quantities(self, doc: Doc, spans: list[Span]) -> tuple[list[Span], set[int]]:
        """The bare numbers listed before a quantity that share its unit (分别提高15、22个百分点:
        15 is 15个百分点), each a quantity of its own (``shared_unit_joiners``); and the starts of
        the quantities whose list opens with an ordinal (第3、4位: 4位 is the fourth place)."""
        taken = {i for span in spans for i in range(span.start, span.end)}
        added: list[Span] = []
        ordinals: set[int] = set()
        for span in spans:
            if span.label_ != QUANTITY:
                continue
            surface = to_halfwidth(span.text)
            lead = _LEADING_NUMBER.match(surface)
            suffix = surface[lead.end():] if lead is not None and span._.unit else None
            items: list[Span] = []
            i = span.start - 1
            while i > 0 and doc[i].text in self._shared_unit_joiners and i - 1 not in taken:
                head = to_halfwidth(doc[i - 1].text)
                if _ORDINAL_NUMBER.match(head) or (
                        _DECIMAL.match(head) and self._after_ordinal_mark(doc[i - 2].text if i > 1 else "")):
                    items = []
                    ordinals.add(span.start)
                    break
                parsed = self.normalise(doc[i - 1].text + suffix) if suffix and _DECIMAL.match(head) else None
                if (parsed is None or parsed["unit"] != span._.unit
                        or (span._.unit == self._qty["year_unit"] and self._year.match(parsed["number_text"]))):
                    break
                items.append(_quantity_span(doc, i - 1, i, parsed, parsed["unit"], parsed["approx"]))
                i -= 2
            added += items
        return added, ordinals

    def _candidates(self, doc: Doc, blocked, titles, quoted) -> tuple[list[Span], set[tuple[int, int]]]:
        """Every rule candidate, and the (start, end) of those found by an institution's kind
        alone, which yield to a ner span they overlap (see ``combine``)."""
        spans: list[Span] = [*self._listed_firms(doc, titles), *self._known(doc, titles)]
        by_kind: set[tuple[int, int]] = set()
        found_otherwise = {(s.start, s.end) for s in spans}  # by the gazetteer or a body pattern
        for match_id, start, end in self._matches(doc):
            key = self.vocab.strings[match_id]
            span = doc[start:end]
            if key in (INSTITUTION, NAMED_INSTITUTION):
                if key == NAMED_INSTITUTION and not self._follows_boundary(doc, start):
                    continue
                span = self._org(ORG, self._with_topic(span), titles)
                if span is not None:
                    by_kind.add((span.start, span.end))
            elif key == LAW:
                span = Span(doc, start + 1, end - 1, label=LAW)
                if not self.is_document_title(span.text):
                    continue
            elif key == "LAW_UNMARKED":
                if _inside(span.start_char, span.end_char, quoted):
                    continue
                span = Span(doc, start, end, label=LAW)
            elif key == QUANTITY:
                span = self._quantity(doc, span, blocked)
            else:
                span = self._org(key, span, titles)
            span = _trim(span) if span is not None else None
            if span is not None:
                spans.append(span)
                if span.label_ == ORG and key not in (INSTITUTION, NAMED_INSTITUTION):
                    found_otherwise.add((span.start, span.end))
        return spans, by_kind - found_otherwise

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
        if text in self._generic or span[-1].text.endswith(self._not_name_endings):
            return None
        if any(mark in text for mark in self._not_inside):  # two bodies, not one name (招商、协会; 人大及其常委会)
            return None
        end = span.end_char
        if self._not_before and doc_text(span.doc)[end : end + self._not_before_reach].startswith(self._not_before):
            return None
        if text[:1] in self._slogan_areas and span.start_char and doc_text(span.doc)[span.start_char - 1] in self._slogan_numerals:
            return None  # 三区一中心: a numbered slogan, not a district's centre
        if text not in self._org_names and (self._designation.search(text) or self._class_prefix.search(text)):
            return None  # 国家医学中心 is a title many bodies hold, 市县级医院 a class
        items = self._list_items(span)
        if text in self._sector_names and any(item.strip() in self._sector_items for item in items):
            return None  # 老龄、工会、青少年、妇女儿童: the work for workers, not the union
        if self._every_levels(span, items):
            return None
        if key == "ORG_SINGLE" and (text in self._single_stop or self._self_ref.match(text)):
            return None
        if key == ORG and self._self_ref.match(text) and text not in self._org_names and text not in self._known_set:
            return None  # 全省 or 我局 opens a self reference, 全国人代会…代表团 a known name
        return Span(span.doc, span.start, span.end, label=ORG)

    def _every_levels(self, span: Span, items: list[str]) -> bool:
        """Whether ``span`` follows one of ``class_words`` (各级人大, 省市 | 县博物馆) or stands in a
        、-list (``items``) whose first item does (各级人大、政协): every level's bodies, no one body."""
        text = doc_text(span.doc)
        if text[max(span.start_char - 3, 0): span.start_char].endswith(self._class_words):
            return True
        first = items[0]
        return len(items) > 1 and span.text not in first and any(
            (i := first.rfind(word)) >= 0 and len(first) - i - len(word) <= 6 for word in self._class_words)

    @staticmethod
    def _list_items(span: Span) -> list[str]:
        """The items of the 、-list ``span`` stands in, from the last mark that ends a list before it
        to the next one after it."""
        text = doc_text(span.doc)
        low, high = max(span.start_char - _RUN_REACH, 0), min(span.end_char + _RUN_REACH, len(text))
        start = max(low - 1, *(text.rfind(mark, low, span.start_char) for mark in _RUN_ENDS)) + 1
        ends = [i for mark in _RUN_ENDS if (i := text.find(mark, span.end_char, high)) >= 0]
        return text[start: min(ends, default=high)].lstrip().split("、")

    def _quantity(self, doc: Doc, span: Span, blocked) -> Span | None:
        if _inside(span.start_char, span.end_char, blocked):
            return None
        if self._after_ordinal_mark(doc[span.start - 1].text if span.start > 0 else ""):
            return None
        text = doc_text(doc)
        if self._ordinal_after.match(text, span.end_char) or self._name_after.match(text, span.end_char):
            return None
        if self._class_after.match(text, span.end_char) and not any(c.isdigit() for c in to_halfwidth(span.text)):
            return None
        if self._glossary_mark.search(text, max(span.start_char - 40, 0), span.start_char):
            return None
        parsed = self.normalise(span.text)
        if parsed is None:
            return None
        number_text, unit = parsed["number_text"], parsed["unit"]
        if not unit and self._magnitude.match(number_text) and not (
                span.start > 0 and doc[span.start - 1].text in self._magnitude_leads or parsed["approx"]):
            return None  # 万家忧乐, 百万移民: a round magnitude alone is an amount only after a lead
        if not unit and len(span) == 1 and not self._large.match(span.text) and not self._magnitude.match(span.text):
            if not self._bare_ratio_context.search(text, max(span.start_char - 20, 0), span.start_char):
                return None
            unit = "∶1"  # a ratio named without its sign: 2.12 is 2.12∶1
        if unit in self._ordinal_units and not (to_halfwidth(number_text)[:1].isdigit() or number_text.startswith("两")
                                                or self._counts_tiers(unit, text, span)):
            return None
        multiple = self._qty["multiple_units"].get(unit)
        if multiple and not text[: span.start_char].endswith(tuple(multiple)):
            return None
        if number_text == self._qty["article_numeral"] and unit not in self._percent_units and multiple is None and not (
                unit == self._qty["year_unit"]
                and self._duration_article.search(text, max(span.start_char - 2, 0), span.end_char + 2)):
            return None
        if unit == self._qty["year_unit"] and self._year.match(number_text):
            return None
        if span.end < len(doc) and doc[span.end].text.startswith(("年", "月", "日", "号")) and not unit:
            return None
        start, approx = span.start, parsed["approx"]
        if unit in self._recent_units and doc[start].text in self._qty["approx_before"]:
            start, approx = start + 1, None
        return _quantity_span(doc, start, span.end, parsed, unit, approx)

    def _after_ordinal_mark(self, word: str) -> bool:
        """Whether a number right after ``word`` is no count: an ordinal after 第 (or a word ending
        in it), a rate's denominator after 每 (``ordinal_before``)."""
        return word in self._qty["ordinal_before"] or word.endswith("第")

    def _counts_tiers(self, unit: str, text: str, span: Span) -> bool:
        """三级 in 省市县三级联动 or 五级全覆盖 counts tiers of government, not a grade."""
        return unit == self._level_count["unit"] and (
            self._level_before.search(text, max(span.start_char - 8, 0), span.start_char) is not None
            or self._level_after.match(text, span.end_char) is not None)

    def normalise(self, surface: str) -> dict | None:
        """Value, unit and approximation of a quantity: 13万余人 → 130000, 人, 余."""
        text = "".join(to_halfwidth(surface).split())
        approx = None
        for marker in self._qty["approx_before"]:
            if text.startswith(marker):
                approx, text = marker, text[len(marker):]
        # 1000多万 is 10 million, more or less: its 多万 is no marker after the number
        for marker in sorted(self._qty["approx_after"], key=len, reverse=True) if not _INNER_APPROX.match(text) else ():
            if text.endswith(marker):
                approx, text = marker, text[: -len(marker)]
                break
        if ratio := self._ratio(text):
            return {**ratio, "approx": approx}
        if share := self._share(text):
            return {"value": share, "value_max": None, "unit": "%", "approx": approx, "number_text": text}
        unit = per = alternative = ""
        if (bracketed := self._alternative_unit.match(text)) and bracketed.group(2) in self._unit_words:
            text, alternative = bracketed.group(1), f"({bracketed.group(2)})"
        # a rate (元/月, 万吨/年): the denominator goes with the unit, the number is the numerator's
        head, slash, tail = text.rpartition("/")
        if slash and head and tail in self._unit_words and not _FRACTION.match(text):
            text, per = head, "/" + tail
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
        inner = _INNER_APPROX.match(text)  # 5100多亿, 5000余万
        if inner:
            approx, text = inner.group(2), inner.group(1) + inner.group(3)
        fraction = _FRACTION.match(text)
        if fraction and not unit:  # a share: 1/4 → 25%
            numerator, denominator = (float(g) for g in fraction.groups())
            if not denominator:
                return None
            return {"value": tidy(round(100 * numerator / denominator, 4)), "value_max": None,
                    "unit": "%", "approx": approx, "number_text": text}
        parts = re.split(r"[至到\-—～~－]", text)
        parts = [p.rstrip("%‰") for p in parts if p]
        if not parts or len(parts) > 2:
            return None
        values = [parse_number(p) for p in parts]
        if any(v is None for v in values):
            return None
        if unit == "个百分点":
            unit = "百分点"
        if per or alternative:
            if not unit:
                return None
            unit += alternative + per
        return {
            "value": tidy(values[0]),
            "value_max": tidy(values[1]) if len(values) == 2 else None,
            "unit": unit,
            "approx": approx,
            "number_text": parts[0],
        }

    def _share(self, text: str) -> float | None:
        """三分之一 → 33.3333, 一半 → 50 (percent); None for anything else."""
        if text in self._qty["share_words"]:
            return tidy(float(self._qty["share_words"][text]))
        if fraction := self._fraction_word.match(text):
            denominator, numerator = (parse_number(part) for part in fraction.groups())
            if denominator and numerator is not None:
                return tidy(round(100 * numerator / denominator, 4))
        return None

    def _ratio(self, text: str) -> dict | None:
        """2.9∶1 → 2.9, unit ∶1 (three terms keep two in the unit); None if ``text`` is no ratio
        or reads as a time of day."""
        if self._clock_time.match(text):
            return None
        terms = re.split(_RATIO_SIGNS, text)
        if len(terms) < 2 or not all(_DECIMAL.match(term) for term in terms):
            return None
        rest = "".join(f"∶{tidy(float(term))}" for term in terms[1:])
        return {"value": tidy(float(terms[0])), "value_max": None, "unit": rest, "number_text": terms[0]}


def _quantity_span(doc: Doc, start: int, end: int, parsed: dict, unit: str | None, approx: str | None) -> Span:
    """A QUANTITY span with its normalised value (``normalise``), unit and approximation."""
    span = Span(doc, start, end, label=QUANTITY)
    span._.value, span._.value_max = parsed["value"], parsed["value_max"]
    span._.unit, span._.approx = unit, approx
    return span


def _anchors(patterns: list[list[dict]]) -> tuple[int, int, int]:
    """The flags of the first required token of each pattern (its anchor), and how many tokens a
    match reaches before and after its anchor at most."""
    flags, before, after = 0, 0, 0
    for pattern in patterns:
        i = next(i for i, spec in enumerate(pattern) if "OP" not in spec)
        anchor = [key for key in pattern[i] if isinstance(key, int)]
        if not anchor or any(spec.get("OP", "?") != "?" for spec in pattern):
            raise ValueError(f"Not anchored by a word test, or with specs longer than a token: {pattern}")
        flags |= 1 << anchor[0]
        before, after = max(before, i), max(after, len(pattern) - i - 1)
    return flags, before, after


def _check_merge(mode: str, model_labels) -> tuple[str, tuple[str, ...]]:
    if mode not in MERGE_MODES:
        raise ValueError(Errors.E060.format(mode=mode, modes=", ".join(MERGE_MODES)))
    for label in model_labels:
        if label not in ENTITY_LABELS:
            raise ValueError(Errors.E007.format(label=label, labels=", ".join(ENTITY_LABELS)))
    return mode, tuple(model_labels)


def merge_spans(
    rules: list[Span], model: list[Span], *, mode: str, model_labels: tuple[str, ...] | list[str],
    trusted_endings: tuple[str, ...] = (),
    yielding: list[Span] | tuple[Span, ...] = (),
) -> list[Span]:
    """Non-overlapping union of rule and model spans; earlier groups win (see the module doc).
    ``trusted_endings``: under ``prefix``, model ORG spans whose last word ends so are added too.
    ``yielding``: rule spans taken last, where no other span overlaps them (an institution found
    by its kind alone, 西藏医院, gives way to the ner's 四川大学华西医院西藏医院, but not to a
    model span inside it)."""
    if yielding:
        model = [m for m in model if not any(y.start <= m.start and m.end <= y.end for y in yielding)]
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
        elif trusted_endings:
            groups.append([m for m in longest_first
                           if m.label_ == ORG and m.doc[m.end - 1].text.endswith(trusted_endings)])
    else:
        raise ValueError(Errors.E060.format(mode=mode, modes=", ".join(MERGE_MODES)))
    groups.append(list(yielding))
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


def _join_adjacent_orgs(spans: list[Span]) -> list[Span]:
    """Two ORG spans with nothing between them are one name: a body and its branch or seat
    (北京大学口腔医院 + 三亚医院, 中国共产党 + 中央委员会). Lists part their items with 、 or 和; in
    the development gold two ORG spans touch once in 1,545."""
    out: list[Span] = []
    for span in sorted(spans, key=lambda s: s.start):
        last = out[-1] if out else None
        if last is not None and last.label_ == ORG and span.label_ == ORG and last.end == span.start:
            out[-1] = Span(span.doc, last.start, span.end, label=ORG)
        else:
            out.append(span)
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
