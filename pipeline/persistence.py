"""Saving and loading trained scikit-learn models with skops: no pickle, an explicit allowlist."""

from __future__ import annotations

import zipfile
from pathlib import Path

import skops.io as sio

from .errors import Errors

# Types a policy-pipeline model file may contain beyond skops' defaults. Anything else in a file
# is refused before a single object is built.
TRUSTED_TYPES = [
    "pipeline.sklearn_classifier.SentenceClassifier",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.linear_model._logistic.LogisticRegression",
    "numpy.float32",
    "numpy.float64",
    "numpy.int64",
    "numpy.dtype",
    "numpy.ndarray",
]


def save_model(model, path: str | Path) -> None:
    # Hashed features leave many weights at zero: deflate shrinks the file several times.
    sio.dump(model, Path(path), compression=zipfile.ZIP_DEFLATED, compresslevel=6)


def load_model(path: str | Path):
    path = Path(path)
    untrusted = [t for t in sio.get_untrusted_types(file=path) if t not in TRUSTED_TYPES]
    if untrusted:
        raise ValueError(Errors.E016.format(path=path, types=", ".join(untrusted)))
    return sio.load(path, trusted=sio.get_untrusted_types(file=path))
