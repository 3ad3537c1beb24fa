"""spaCy's Chinese tokenizer with pkuseg, cut at unit boundaries and punctuation.

The segmenter runs on one sentence unit (or bounded piece of one) at a time, so tokens never
cross a unit boundary, memory stays flat on very long lines, and the structure and entity
components can rely on token boundaries at every end mark, bracket and quote.
"""

from __future__ import annotations

import re

from spacy import util
from spacy.lang.zh import ChineseTokenizer, Segmenter
from spacy.tokens import Doc
from spacy.util import registry

from .pkuseg_features import PkusegCutter
from .units import iter_chunks, iter_units, remember_text

MAX_SEGMENT_CHARS = 500
# Characters that always stand as tokens of their own: pkuseg occasionally glues them to a word
# (司发〔), which would hide a bracket from the rules.
_PUNCT = "《》〈〉<>“”‘’「」『』()（）〔〕[]【】、，,；;：:|。！？!?…—"
_SPLIT = re.compile(f"([{re.escape(_PUNCT)}])")


# pkuseg sometimes glues a number to the word before it (隔离带1万, 堵乱点134, 近30%), which PKU
# segmentation never does: cut between a Chinese character and an Arabic digit, unless the
# character is part of the number (二0三五, 390万65) or makes it an ordinal (第3).
_DIGIT_EDGE = re.compile(r"(?<=[\u4e00-\u9fff])(?<![〇零一二两三四五六七八九十百千万亿第])(?=[0-9０-９])")


def _split_at(words: list[str], pattern: re.Pattern) -> list[str]:
    out: list[str] = []
    for word in words:
        if len(word) > 1 and pattern.search(word):
            out.extend(piece for piece in pattern.split(word) if piece)
        else:
            out.append(word)
    return out


def split_punct(words: list[str]) -> list[str]:
    return _split_at(words, _SPLIT)


def split_digit_edges(words: list[str]) -> list[str]:
    return _split_at(words, _DIGIT_EDGE)


class PolicyChineseTokenizer(ChineseTokenizer):
    def __call__(self, text: str) -> Doc:
        if self.segmenter != Segmenter.pkuseg or self.pkuseg_seg is None:
            return super().__call__(text)
        cutter = self._cutter()
        words: list[str] = []
        for start, end in iter_units(text):
            for a, b in iter_chunks(text, start, end, MAX_SEGMENT_CHARS):
                words.extend(cutter.cut(text[a:b]))
        words, spaces = util.get_words_and_spaces(split_digit_edges(split_punct(words)), text)
        doc = Doc(self.vocab, words=words, spaces=spaces)
        remember_text(doc, text)  # get_words_and_spaces keeps every character: doc.text == text
        return doc

    def _cutter(self) -> PkusegCutter:
        """pkuseg's cut with the faster feature look-up (pipeline/pkuseg_features.py), for the
        segmenter loaded now (initialize and from_disk replace it)."""
        cutter = getattr(self, "_pkuseg_cutter", None)
        if cutter is None or cutter.seg is not self.pkuseg_seg:
            cutter = self._pkuseg_cutter = PkusegCutter(self.pkuseg_seg)
        return cutter


@registry.tokenizers("policy_pipeline.ChineseTokenizer.v1")
def create_policy_tokenizer(segmenter: Segmenter = Segmenter.pkuseg):
    def tokenizer_factory(nlp):
        return PolicyChineseTokenizer(nlp.vocab, segmenter=segmenter)

    return tokenizer_factory
