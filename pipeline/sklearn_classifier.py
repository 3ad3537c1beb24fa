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

from .data_files import load_json

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
        compiled = [[re.compile(p) for p in pats] for pats in self.cue_patterns_]
        rows = []
        for tokens in X:
            text = "".join(tokens)
            rows.append([sum(1 for p in pats if p.search(text)) for pats in compiled])
        return sp.csr_matrix(np.asarray(rows, dtype=np.float64).reshape(len(rows), len(compiled)))

    def _features(self, X, fit: bool) -> sp.csr_matrix:
        words = _hasher(word_ngrams, self.word_features).transform(X)
        chars = _hasher(char_ngrams, self.char_features).transform(X)
        if fit:
            cues = self.cues if self.cues is not None else load_json("cues.json")["cues"]
            self.cue_labels_ = sorted(cues)
            self.cue_patterns_ = [[pattern for pattern, _ in cues[label]] for label in self.cue_labels_]
            self.word_tfidf_ = TfidfTransformer(sublinear_tf=True).fit(words)
            self.char_tfidf_ = TfidfTransformer(sublinear_tf=True).fit(chars)
        parts = [
            self.word_tfidf_.transform(words),
            self.char_tfidf_.transform(chars),
            self._cue_counts(X) * self.cue_weight,
        ]
        return sp.hstack(parts, format="csr")

    def fit(self, X, y):
        X = [list(tokens) for tokens in X]
        features = self._features(X, fit=True)
        self.model_ = LogisticRegression(
            C=self.C, class_weight=self.class_weight, max_iter=self.max_iter
        ).fit(features, y)
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
