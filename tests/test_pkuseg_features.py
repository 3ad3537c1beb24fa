"""The faster pkuseg features give exactly pkuseg's feature lists and cut."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.pkuseg_features import PkusegCutter
from pipeline.units import iter_chunks, iter_units

TEXTS = [
    "",
    "   ",
    "法",
    "2022年，区司法局完成立法项目3件，办理行政复议案件12.5%。",
    "ABC公司和ｘｙｚ集团签订合同１２３份，金额3.6亿元",  # letters and numbers are normalised
    "a-b.c_d,e|f/g*h:i",  # pkuseg's keyword characters
    "坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻党的二十大精神。\n下一步，我们将继续推进。",
    "一 二  三\t四",
]


@pytest.fixture(scope="module")
def seg(nlp):
    return nlp.tokenizer.pkuseg_seg


@pytest.fixture(scope="module")
def cutter(seg):
    cutter = PkusegCutter(seg)
    assert cutter.fast  # the installed spacy-pkuseg has what the fast path relies on
    return cutter


@pytest.mark.parametrize("text", TEXTS)
def test_cut_is_pkusegs_cut(seg, cutter, text):
    assert cutter.cut(text) == seg.cut(text)


def test_feature_lists_are_pkusegs_element_for_element(seg, cutter):
    extractor = seg.feature_extractor
    for text in TEXTS[2:]:
        nodes = list(extractor.normalize_text(text.replace(" ", "")))
        expected = [extractor.get_node_features_idx(i, nodes) for i in range(len(nodes))]
        assert cutter._features(nodes) == expected


def test_the_seed_report_cuts_the_same(seg, cutter, seed_text):
    pieces = [seed_text[a:b] for start, end in iter_units(seed_text)
              for a, b in iter_chunks(seed_text, start, end, 500)]
    assert len(pieces) > 50
    assert [cutter.cut(p) for p in pieces] == [seg.cut(p) for p in pieces]


# the characters of the seed report, plus what pkuseg normalises or splits on
ALPHABET = sorted(set((Path(__file__).resolve().parents[1] / "corpus" / "raw" / "luzhou-2022.txt")
                      .read_text(encoding="utf-8")) | set("0123456789０１２ABCabcｘ%.-_*/|:,\t \n"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=ALPHABET, max_size=120))
def test_any_text_cuts_the_same(seg, cutter, text):
    assert cutter.cut(text) == seg.cut(text)


class _Tagging:
    """A segmenter set up for part-of-speech tags, which the fast path does not produce."""

    def __init__(self, seg):
        self.seg, self.postag = seg, True

    def __getattr__(self, name):
        return getattr(self.seg, name)

    def cut(self, text):
        return ["fallback", text]


def test_falls_back_to_pkusegs_cut_when_it_cannot_mirror_it(seg):
    cutter = PkusegCutter(_Tagging(seg))
    assert not cutter.fast
    assert cutter.cut("法治") == ["fallback", "法治"]
    assert not PkusegCutter(object()).fast


def test_the_tokenizer_uses_it_and_follows_a_new_segmenter(nlp):
    tokenizer = nlp.tokenizer
    first = tokenizer._cutter()
    assert first.fast and first.seg is tokenizer.pkuseg_seg
    assert tokenizer._cutter() is first
    seg = tokenizer.pkuseg_seg
    tokenizer.pkuseg_seg = _Tagging(seg)  # as initialize or from_disk would replace it
    try:
        assert tokenizer._cutter().seg is tokenizer.pkuseg_seg and not tokenizer._cutter().fast
    finally:
        tokenizer.pkuseg_seg = seg
    assert tokenizer._cutter().fast
