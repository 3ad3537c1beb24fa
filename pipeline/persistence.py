"""Saving and loading trained scikit-learn models with skops: no pickle, an explicit allowlist."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

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


class _Refuse:
    """An import hook that makes importing one package fail."""

    def __init__(self, package: str):
        self.package = package

    def find_spec(self, name, path=None, target=None):
        if name == self.package or name.startswith(self.package + "."):
            raise ImportError(f"{name} is not imported while skops loads")
        return None


def _skops_io():
    """``skops.io``, imported on first use. skops lists its trusted types by importing every
    scikit-learn module; scikit-learn's vendored array-api shim then imports dask when it is
    installed, and importing dask unpickles data of its own. Reading a model needs neither, and
    "nothing unpickled at run time" should not depend on what else is installed, so dask stays out
    of that import (a process that already uses dask is unaffected)."""
    if "skops.io" not in sys.modules:
        hook = _Refuse("dask")
        sys.meta_path.insert(0, hook)
        try:
            import skops.io  # noqa: F401
        finally:
            sys.meta_path.remove(hook)
    return sys.modules["skops.io"]


def save_model(model, path: str | Path) -> None:
    # Hashed features leave many weights at zero: deflate shrinks the file several times.
    _skops_io().dump(model, Path(path), compression=zipfile.ZIP_DEFLATED, compresslevel=6)


def load_model(path: str | Path):
    sio = _skops_io()
    path = Path(path)
    found = sio.get_untrusted_types(file=path)
    untrusted = [t for t in found if t not in TRUSTED_TYPES]
    if untrusted:
        raise ValueError(Errors.E016.format(path=path, types=", ".join(untrusted)))
    return sio.load(path, trusted=found)
