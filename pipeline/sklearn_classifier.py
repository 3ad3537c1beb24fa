"""A scikit-learn sentence classifier over pkuseg tokens, character n-grams and cue counts.

Input ``X`` is a sequence of token lists (one per sentence unit), so the estimator never needs
the segmenter itself; the spaCy component hands it the tokens of each unit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from .data_files import load_json


def word_ngrams(tokens: Sequence[str]) -> list[str]:
    """Token unigrams and bigrams; digits folded so 2705 and 141 look alike."""
    words = [re.sub(r"[0-9０-９.．]+", "0", t) for t in tokens]
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def char_ngrams(tokens: Sequence[str]) -> list[str]:
    """Character 1–3-grams of the sentence, with start/end markers."""
    text = "^" + re.sub(r"[0-9０-９.．]+", "0", "".join(tokens)) + "$"
    return [text[i : i + n] for n in (1, 2, 3) for i in range(len(text) - n + 1) if text[i : i + n] not in "^$"]


class CueCounts(TransformerMixin, BaseEstimator):
    """How many cues of each label match the sentence (from the rule tagger's lexicon)."""

    def __init__(self, cues: dict | None = None):
        self.cues = cues

    def fit(self, X, y=None):
        cues = self.cues if self.cues is not None else load_json("cues.json")["cues"]
        self.labels_ = sorted(cues)
        self.patterns_ = [[pattern for pattern, _ in cues[label]] for label in self.labels_]
        return self

    def transform(self, X):
        compiled = [[re.compile(p) for p in pats] for pats in self.patterns_]
        rows = [
            [sum(1 for p in pats if p.search("".join(tokens))) for pats in compiled]
            for tokens in X
        ]
        return sp.csr_matrix(np.asarray(rows, dtype=float).reshape(len(rows), len(self.labels_)))


class SentenceClassifier(ClassifierMixin, BaseEstimator):
    """Logistic regression over TF-IDF word and character n-grams plus cue counts."""

    def __init__(self, C: float = 4.0, min_df: int = 2, max_features: int = 60000,
                 class_weight: str | None = "balanced", max_iter: int = 2000, cue_weight: float = 1.0):
        self.C = C
        self.min_df = min_df
        self.max_features = max_features
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.cue_weight = cue_weight

    def _features(self, X, fit: bool):
        if fit:
            self.words_ = TfidfVectorizer(analyzer=word_ngrams, min_df=self.min_df,
                                          max_features=self.max_features, sublinear_tf=True)
            self.chars_ = TfidfVectorizer(analyzer=char_ngrams, min_df=self.min_df,
                                          max_features=self.max_features, sublinear_tf=True)
            self.cues_ = CueCounts()
            parts = [self.words_.fit_transform(X), self.chars_.fit_transform(X), self.cues_.fit(X).transform(X)]
            # The pruned vocabulary is only kept for introspection and makes a saved model ~100 MB.
            self.words_.stop_words_ = None
            self.chars_.stop_words_ = None
        else:
            parts = [self.words_.transform(X), self.chars_.transform(X), self.cues_.transform(X)]
        parts[2] = parts[2] * self.cue_weight
        return sp.hstack(parts).tocsr()

    def fit(self, X, y):
        X = [list(tokens) for tokens in X]
        features = self._features(X, fit=True)
        self.model_ = LogisticRegression(
            C=self.C, class_weight=self.class_weight, max_iter=self.max_iter
        ).fit(features, y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X):
        return self.model_.predict_proba(self._features([list(t) for t in X], fit=False))

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def top_features(self, n: int = 15) -> dict[str, list[str]]:
        """The n heaviest features per label, for model cards and notebooks."""
        names = np.concatenate([
            self.words_.get_feature_names_out(),
            np.array([f"char:{c}" for c in self.chars_.get_feature_names_out()]),
            np.array([f"cues:{label}" for label in self.cues_.labels_]),
        ])
        coef = self.model_.coef_
        return {label: list(names[np.argsort(coef[i])[::-1][:n]]) for i, label in enumerate(self.classes_)}
