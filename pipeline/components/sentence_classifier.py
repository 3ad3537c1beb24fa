"""The scikit-learn sentence classifier (``pipeline/train/sentence.py``) as a spaCy component.

It writes class probabilities to ``span._.clf_scores`` for every unit; the sentence tagger
(``policy_sentence_rules``) pools them with the heading context and cues. The model file is
found at ``initialize`` (``[initialize.components.<name>] model``: a folder under the models
folder, or an absolute path) and travels inside a saved pipeline, so ``spacy.load`` of a saved
pipeline needs no models folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from spacy import util
from spacy.language import Language
from spacy.tokens import Doc, Span

from ..errors import Errors
from ..labels import UNITS_KEY
from ..models import find_trained_model
from ..persistence import load_model
from ..units import units_tokens

if not Span.has_extension("clf_scores"):
    Span.set_extension("clf_scores", default=None)

MODEL_FILE = "model.skops"
DEFAULT_MODEL = "sentence-classifier"


def resolve_model_file(model: str | Path) -> Path:
    """A ``.skops`` file as given, else ``model.skops`` in the folder ``find_trained_model`` finds."""
    path = Path(model)
    if path.suffix == ".skops":
        return path
    return find_trained_model(path, MODEL_FILE) / MODEL_FILE


@Language.factory("policy_sentence_classifier", default_config={"batch_size": 2048})
def make_sentence_classifier(nlp: Language, name: str, batch_size: int):
    return SentenceClassifierComponent(name, batch_size=batch_size)


class SentenceClassifierComponent:
    def __init__(self, name: str, *, batch_size: int = 2048):
        self.name = name
        self.batch_size = batch_size
        self.model_path: Path | None = None
        self.estimator = None

    def initialize(self, get_examples=None, *, nlp=None, model: str = DEFAULT_MODEL) -> None:
        path = resolve_model_file(model)
        if not path.exists():
            raise OSError(Errors.E017.format(path=path))
        self.model_path = path
        self.estimator = load_model(path)

    def __call__(self, doc: Doc) -> Doc:
        if self.estimator is None:
            raise ValueError(Errors.E015.format(name=self.name))
        units = list(doc.spans.get(UNITS_KEY, []))
        tokens = units_tokens(doc, units)
        classes = [str(c) for c in self.estimator.classes_]
        for start in range(0, len(units), self.batch_size):
            batch = units[start : start + self.batch_size]
            probs = self.estimator.predict_proba(tokens[start : start + self.batch_size])
            for span, row in zip(batch, probs.tolist(), strict=True):
                span._.clf_scores = dict(zip(classes, row, strict=True))
        return doc

    def to_disk(self, path, *, exclude=tuple()) -> None:
        if self.model_path is None:
            raise ValueError(Errors.E015.format(name=self.name))
        path = util.ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.model_path, path / MODEL_FILE)

    def from_disk(self, path, *, exclude=tuple()) -> SentenceClassifierComponent:
        self.model_path = util.ensure_path(path) / MODEL_FILE
        self.estimator = load_model(self.model_path)
        return self
