"""pkuseg's CRF features for a whole string at once: the same feature lists, with less work.

``spacy_pkuseg`` builds the features of each character separately
(``feature_extractor.pyx: __get_node_features_idx``): some 80 string concatenations and
dictionary look-ups per character, 95% of its segmentation time. Most of that work repeats:
the dictionary words that start at a position are looked up again for each of its neighbours,
and the 50 word-pair features of a character are nearly always the same few pairs of "no word".
Here the dictionary words starting at each position are found once, and the features of a
unigram, a bigram or a pair of word lists are cached by their key. Over the 76 work reports the
pipeline's tokenizer went from 1.02 to 0.81 times bare pkuseg's CPU time (benchmarks/stages.py).

The lists are identical to pkuseg's, element for element and in the same order (the CRF sums
the weights in list order, so even the floating-point scores are the same); a test checks this
against ``spacy_pkuseg`` on the reports, and ``PkusegCutter`` falls back to pkuseg's own cut
when the installed version does not have the internals this relies on.
"""

from __future__ import annotations

_NO_WORD = "**noWord"
_CACHE_LIMIT = 500_000


class FeatureIndexer:
    """Feature id lists of a normalised character sequence, as pkuseg computes them."""

    def __init__(self, feature_to_idx: dict[str, int], unigram: set[str], word_max: int, word_min: int):
        self.f2i = feature_to_idx
        self.unigram = unigram
        self.lengths = tuple(range(word_max, word_min - 1, -1))
        # pkuseg's slices past either end are "", and its dictionary holds "": such a slice then
        # counts as a word (features "w-1." and "ww.l.*…"); mirrored here
        self._edge = "" if "" in unigram else _NO_WORD
        self._none = tuple(self._edge for _ in self.lengths)
        # prefixes[k]: the beginnings, of length lengths[k], of the longer dictionary words
        self._prefixes = [
            {word[:length] for word in unigram if length < len(word) <= word_max} for length in self.lengths
        ]
        self._chars: dict[str, tuple] = {}
        self._pairs: dict[tuple[str, str], tuple] = {}
        self._words: dict[tuple, list[int]] = {}
        self._word_pairs: dict[tuple, list[int]] = {}
        self._rows: dict[tuple, list[int]] = {}

    def _char(self, c: str) -> tuple:
        get = self.f2i.get
        return (get("c." + c), get("c-1." + c), get("c1." + c), get("c-2." + c), get("c2." + c))

    def _pair(self, a: str, b: str) -> tuple:
        get = self.f2i.get
        middle = a + "." + b
        return (get("c-1c." + middle), get("cc1." + middle), get("c-2c-1." + middle))

    def _word_features(self, prefix: str, words: tuple) -> list[int]:
        get = self.f2i.get
        out = []
        for word in words:
            if word is not _NO_WORD:
                idx = get(prefix + word)
                if idx is not None:
                    out.append(idx)
        return out

    def _pair_features(self, prefix: str, pre: tuple, post: tuple) -> list[int]:
        # by the left word: nearly always "no word", so these parts are found in the cache
        rows, get = self._rows, self.f2i.get
        out = []
        for a in pre:
            key = (prefix, a, post)
            row = rows.get(key)
            if row is None:
                row = rows[key] = [idx for b in post if (idx := get(prefix + a + "*" + b)) is not None]
            out += row
        return out

    def _lattice(self, nodes: list[str]) -> tuple[list[tuple], list[tuple]]:
        """For each position, the dictionary word of each length (longest first) that starts
        there, and the one that ends there ("**noWord" where there is none)."""
        n, unigram, edge, prefixes = len(nodes), self.unigram, self._edge, self._prefixes
        last = len(self.lengths) - 1
        text = "".join(nodes) if all(len(node) == 1 for node in nodes) else None
        starting = []
        ending = [[edge if i - length + 1 < 0 else _NO_WORD for length in self.lengths] for i in range(n)]
        for j in range(n):
            row = [_NO_WORD if j + length <= n else edge for length in self.lengths]
            # shortest first, and no longer once no dictionary word starts with the piece
            for k in range(last, -1, -1):
                end = j + self.lengths[k]
                if end > n:
                    break
                piece = text[j:end] if text is not None else "".join(nodes[j:end])
                if piece in unigram:
                    row[k] = piece
                    ending[end - 1][k] = piece
                if piece not in prefixes[k]:
                    break
            starting.append(tuple(row))
        return starting, [tuple(row) for row in ending]

    def __call__(self, nodes: list[str]) -> list[list[int]]:
        self._bound()
        n = len(nodes)
        starting, ending = self._lattice(nodes)
        none = self._none
        chars, pairs, words, word_pairs = self._chars, self._pairs, self._words, self._word_pairs
        uni = [chars.get(c) or chars.setdefault(c, self._char(c)) for c in nodes]
        bi = [pairs.get(key) or pairs.setdefault(key, self._pair(*key))
              for key in zip(nodes, nodes[1:], strict=False)]
        feats = []
        for i in range(n):
            flist = [0]
            if uni[i][0] is not None:
                flist.append(uni[i][0])
            if i > 0:
                if uni[i - 1][1] is not None:
                    flist.append(uni[i - 1][1])
                if bi[i - 1][0] is not None:
                    flist.append(bi[i - 1][0])
            if i + 1 < n:
                if uni[i + 1][2] is not None:
                    flist.append(uni[i + 1][2])
                if bi[i][1] is not None:
                    flist.append(bi[i][1])
            if i > 1:
                if uni[i - 2][3] is not None:
                    flist.append(uni[i - 2][3])
                if bi[i - 2][2] is not None:
                    flist.append(bi[i - 2][2])
            if i + 2 < n and uni[i + 2][4] is not None:
                flist.append(uni[i + 2][4])
            pre_in, post_in = ending[i], starting[i]
            pre_ex = ending[i - 1] if i > 0 else none
            post_ex = starting[i + 1] if i + 1 < n else none
            key = ("w-1.", pre_in)
            found = words.get(key)
            if found is None:
                found = words[key] = self._word_features("w-1.", pre_in)
            flist += found
            key = ("w1.", post_in)
            found = words.get(key)
            if found is None:
                found = words[key] = self._word_features("w1.", post_in)
            flist += found
            key = ("ww.l.", pre_ex, post_in)
            found = word_pairs.get(key)
            if found is None:
                found = word_pairs[key] = self._pair_features("ww.l.", pre_ex, post_in)
            flist += found
            key = ("ww.r.", pre_in, post_ex)
            found = word_pairs.get(key)
            if found is None:
                found = word_pairs[key] = self._pair_features("ww.r.", pre_in, post_ex)
            flist += found
            feats.append(flist)
        return feats

    def _bound(self) -> None:
        """Caches stay bounded on endless streams of new text (they refill quickly)."""
        for cache in (self._chars, self._pairs, self._words, self._word_pairs, self._rows):
            if len(cache) > _CACHE_LIMIT:
                cache.clear()


class PkusegCutter:
    """``spacy_pkuseg.pkuseg.cut`` (without part-of-speech tags) with the features above."""

    def __init__(self, seg):
        self.seg = seg
        self._features = None
        try:
            from spacy_pkuseg.config import config
            from spacy_pkuseg.inference import decodeViterbi_fast

            extractor = seg.feature_extractor
            usable = (config.wordFeature and not seg.postag
                      and callable(seg.preprocesser.solve) and callable(seg.postprocesser))
            if usable:
                self._features = FeatureIndexer(
                    extractor.feature_to_idx, extractor.unigram, config.wordMax, config.wordMin)
                self._normalize = extractor.normalize_text
                self._decode = decodeViterbi_fast
                self._begins = frozenset(idx for idx, tag in seg.idx_to_tag.items() if "B" in tag)
        except (ImportError, AttributeError):  # another spacy-pkuseg: its own cut still works
            self._features = None

    @property
    def fast(self) -> bool:
        return self._features is not None

    def cut(self, text: str) -> list[str]:
        if self._features is None:
            return self.seg.cut(text)
        seg = self.seg
        words: list[str] = []
        for piece in text.split():
            parts, is_word, _ = seg.preprocesser.solve(piece)
            for part, known in zip(parts, is_word, strict=True):
                if known:
                    words.append(part)
                else:
                    words.extend(seg.postprocesser(self._cut(part)))
        return words

    def _cut(self, text: str) -> list[str]:
        _, tags = self._decode(self._features(list(self._normalize(text))), self.seg.model)
        begins = self._begins
        words, start = [], 0
        for i in range(1, len(text)):
            if tags[i] in begins:
                words.append(text[start:i])
                start = i
        if text:
            words.append(text[start:])
        return words
