"""Saving and loading trained scikit-learn models with skops: no pickle, an explicit allowlist."""

from __future__ import annotations

from pathlib import Path

import skops.io as sio

from .errors import Errors

# Types a policy-pipeline model file may contain beyond skops' defaults. Anything else in a file
# is refused before a single object is built.
TRUSTED_TYPES = [
    "pipeline.sklearn_classifier.SentenceClassifier",
    "pipeline.sklearn_classifier.CueCounts",
    "pipeline.sklearn_classifier.word_ngrams",
    "pipeline.sklearn_classifier.char_ngrams",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.linear_model._logistic.LogisticRegression",
    "numpy.float64",
    "numpy.int64",
    "numpy.dtype",
    "numpy.ndarray",
    "scipy.sparse._csr.csr_matrix",
    "builtins.slice",
]


def save_model(model, path: str | Path) -> None:
    sio.dump(model, Path(path))


def load_model(path: str | Path):
    path = Path(path)
    untrusted = [t for t in sio.get_untrusted_types(file=path) if t not in TRUSTED_TYPES]
    if untrusted:
        raise ValueError(Errors.E016.format(path=path, types=", ".join(untrusted)))
    return sio.load(path, trusted=sio.get_untrusted_types(file=path))
