"""A scikit-learn sentence classifier over pkuseg tokens, character n-grams and cue counts.

Input ``X`` is a sequence of token lists (one per sentence unit), so the estimator never needs
the segmenter itself; the spaCy component hands it the tokens of each unit.

Features are hashed rather than looked up in a learned vocabulary: a vocabulary of some 10^5
n-grams made the saved model ~100 MB and slow to load, while hashed features keep the file to
the weights (a few MB) and loading to well under a second.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression

from .data_files import load_json, pattern_search

_DIGITS = re.compile(r"[0-9０-９.．]+")


def word_ngrams(tokens: Sequence[str]) -> list[str]:
    """Token unigrams and bigrams; digits folded so 2705 and 141 look alike."""
    words = [_DIGITS.sub("0", t) for t in tokens]
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def char_ngrams(tokens: Sequence[str]) -> list[str]:
    """Character 1–3-grams of the sentence, with start/end markers."""
    text = "^" + _DIGITS.sub("0", "".join(tokens)) + "$"
    return [text[i : i + n] for n in (1, 2, 3) for i in range(len(text) - n + 1) if text[i : i + n] not in "^$"]


def _identity(ngrams: list[str]) -> list[str]:
    return ngrams


def _hasher(analyzer, n_features: int) -> HashingVectorizer:
    return HashingVectorizer(analyzer=analyzer, n_features=n_features, alternate_sign=False, norm=None)


_C1, _C2 = np.uint32(0xCC9E2D51), np.uint32(0x1B873593)


def _rotl(x: np.ndarray, r: int) -> np.ndarray:
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))


def _words32(data: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The little-endian 32-bit words starting at byte offsets ``at`` of ``data`` (uint32 bytes)."""
    return data[at] | (data[at + 1] << 8) | (data[at + 2] << 16) | (data[at + 3] << 24)


def murmurhash3_32(buf: bytes, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Signed MurmurHash3 (x86, 32 bit, seed 0) of every slice ``buf[start:start + length]``: the
    hash ``HashingVectorizer`` takes of each feature, computed for all slices at once instead of
    one Python string at a time (building the n-gram strings cost more than the model)."""
    data = np.frombuffer(buf + bytes(4), dtype=np.uint8).astype(np.uint32)
    h = np.zeros(len(starts), dtype=np.uint32)
    blocks = lengths // 4
    active, i = np.flatnonzero(blocks), 0
    while active.size:
        k = _rotl(_words32(data, starts[active] + 4 * i) * _C1, 15) * _C2
        h[active] = _rotl(h[active] ^ k, 13) * np.uint32(5) + np.uint32(0xE6546B64)
        i += 1
        active = active[blocks[active] > i]
    tail = (lengths % 4).astype(np.uint32)
    # Bytes past a slice's end are masked off: the tail word holds only its last 1-3 bytes.
    k = _words32(data, starts + 4 * blocks) & ((np.uint32(1) << (tail * np.uint32(8))) - np.uint32(1))
    h ^= np.where(tail > 0, _rotl(k * _C1, 15) * _C2, np.uint32(0))
    h ^= lengths.astype(np.uint32)
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h.view(np.int32)


def _hashed_counts(text: str, starts: np.ndarray, ends: np.ndarray, rows: np.ndarray, n_rows: int,
                   n_features: int) -> sp.csr_matrix:
    """The count matrix of ``_hasher`` (sklearn's ``HashingVectorizer``) when row ``rows[i]``
    holds the n-gram ``text[starts[i]:ends[i]]``: same buckets, same canonical CSR layout."""
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    offsets = np.zeros(len(points) + 1, dtype=np.int64)
    np.cumsum(1 + (points >= 0x80) + (points >= 0x800) + (points >= 0x10000), out=offsets[1:])
    hashes = murmurhash3_32(text.encode("utf-8"), offsets[starts], offsets[ends] - offsets[starts]).astype(np.int64)
    # sklearn's bucket, including its special case for abs(-2**31).
    cols = np.where(hashes == -(2**31), (2**31 - 1 - (n_features - 1)) % n_features, np.abs(hashes) % n_features)
    cells = rows * n_features + cols
    # Sorting is the costliest step here, and twice as fast on 32-bit keys.
    cells, counts = np.unique(cells.astype(np.int32) if n_rows * n_features < 2**31 else cells, return_counts=True)
    indptr = np.searchsorted(cells, np.arange(n_rows + 1) * n_features)
    return sp.csr_matrix((counts.astype(np.float64), cells % n_features, indptr), shape=(n_rows, n_features))


def word_counts(X: Sequence[Sequence[str]], n_features: int) -> sp.csr_matrix:
    """``_hasher(word_ngrams, n_features).transform(X)``: in one string with a space between
    tokens, a token bigram "a b" is the slice from a's start to b's end."""
    folded = {t: _DIGITS.sub("0", t) for t in {t for tokens in X for t in tokens}}
    words = [folded[t] for tokens in X for t in tokens]
    lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    starts = np.cumsum(lengths + 1) - lengths - 1
    ends = starts + lengths
    rows = np.repeat(np.arange(len(X)), [len(tokens) for tokens in X])
    pair = np.flatnonzero(rows[:-1] == rows[1:])
    return _hashed_counts(
        " ".join(words), np.concatenate([starts, starts[pair]]), np.concatenate([ends, ends[pair + 1]]),
        np.concatenate([rows, rows[pair]]), len(X), n_features,
    )


def char_counts(X: Sequence[Sequence[str]], n_features: int) -> sp.csr_matrix:
    """``_hasher(char_ngrams, n_features).transform(X)``, with the n-grams as slices of the
    sentences written one after another."""
    texts = ["^" + _DIGITS.sub("0", "".join(tokens)) + "$" for tokens in X]
    text = "".join(texts)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    row_of = np.repeat(np.arange(len(X)), lengths)
    end_of = np.repeat(np.cumsum(lengths), lengths)
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    marker = (points == ord("^")) | (points == ord("$"))
    pos = np.arange(len(text))
    starts, ns = [], []
    for n in (1, 2, 3):
        keep = pos + n <= end_of
        # char_ngrams drops the n-grams that are substrings of "^$": a lone marker, or "^$".
        if n == 1:
            keep &= ~marker
        elif n == 2:
            keep[:-1] &= ~((points[:-1] == ord("^")) & (points[1:] == ord("$")))
        starts.append(pos[keep])
        ns.append(np.full(len(starts[-1]), n))
    starts_all = np.concatenate(starts)
    return _hashed_counts(text, starts_all, starts_all + np.concatenate(ns), row_of[starts_all], len(X), n_features)


class SentenceClassifier(ClassifierMixin, BaseEstimator):
    """Logistic regression over TF-IDF weighted, hashed word and character n-grams plus counts of
    the rule tagger's cues per label."""

    def __init__(self, C: float = 4.0, word_features: int = 2**16, char_features: int = 2**17,
                 class_weight: str | None = "balanced", max_iter: int = 1000, cue_weight: float = 1.0,
                 cues: dict | None = None):
        self.C = C
        self.word_features = word_features
        self.char_features = char_features
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.cue_weight = cue_weight
        self.cues = cues

    def _cue_counts(self, X) -> sp.csr_matrix:
        search = pattern_search(p for pats in self.cue_patterns_ for p in pats)
        member = np.zeros((len(search.patterns), len(self.cue_patterns_)))
        for label, pats in enumerate(self.cue_patterns_):
            for p in pats:
                member[search.index[p], label] += 1
        hits = np.array(search.many("".join(tokens) for tokens in X), dtype=np.float64)
        return sp.csr_matrix(hits.reshape(len(X), len(search.patterns)) @ member)

    def _features(self, X, fit: bool) -> sp.csr_matrix:
        words = word_counts(X, self.word_features)
        chars = char_counts(X, self.char_features)
        if fit:
            cues = self.cues if self.cues is not None else load_json("cues.json")["cues"]
            self.cue_labels_ = sorted(cues)
            self.cue_patterns_ = [[entry[0] for entry in cues[label]] for label in self.cue_labels_]
            self.word_tfidf_ = TfidfTransformer(sublinear_tf=True).fit(words)
            self.char_tfidf_ = TfidfTransformer(sublinear_tf=True).fit(chars)
        parts = [
            self.word_tfidf_.transform(words),
            self.char_tfidf_.transform(chars),
            self._cue_counts(X) * self.cue_weight,
        ]
        return sp.hstack(parts, format="csr")

    def fit(self, X, y, sample_weight=None):
        X = [list(tokens) for tokens in X]
        features = self._features(X, fit=True)
        self.model_ = LogisticRegression(
            C=self.C, class_weight=self.class_weight, max_iter=self.max_iter
        ).fit(features, y, sample_weight=sample_weight)
        # float32 weights halve the file; the probabilities agree to ~1e-6.
        self.model_.coef_ = self.model_.coef_.astype(np.float32)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X):
        return self.model_.predict_proba(self._features([list(t) for t in X], fit=False))

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def feature_names(self, X: Iterable[Sequence[str]]) -> dict[int, str]:
        """Names of the hashed features that occur in ``X`` (hashing keeps no vocabulary); a bucket
        several n-grams share is named by the most frequent of them."""
        X = [list(tokens) for tokens in X]
        names: dict[int, str] = {}
        for analyzer, offset, size, prefix in (
            (word_ngrams, 0, self.word_features, ""),
            (char_ngrams, self.word_features, self.char_features, "char:"),
        ):
            # Buckets collide: name each by its most frequent n-gram in X.
            counts = Counter(g for tokens in X for g in analyzer(tokens))
            ngrams = sorted(counts, key=lambda g: (-counts[g], g))
            hashed = _hasher(_identity, size).transform([[g] for g in ngrams])
            for row, ngram in enumerate(ngrams):
                names.setdefault(offset + int(hashed.indices[hashed.indptr[row]]), prefix + ngram)
        base = self.word_features + self.char_features
        names.update({base + i: f"cues:{label}" for i, label in enumerate(self.cue_labels_)})
        return names

    def top_features(self, X: Iterable[Sequence[str]], n: int = 15) -> dict[str, list[str]]:
        """The n heaviest features per label among those occurring in ``X``."""
        names = self.feature_names(X)
        index = np.fromiter(names, dtype=np.int64)
        labels = np.array([names[i] for i in index], dtype=object)
        coef = self.model_.coef_[:, index]
        if len(self.classes_) == 2:
            coef = np.vstack([-coef[0], coef[0]])
        return {str(label): list(labels[np.argsort(coef[i])[::-1][:n]]) for i, label in enumerate(self.classes_)}
