"""The scikit-learn sentence classifier as a spaCy component.

It writes class probabilities to ``span._.clf_scores`` for every unit; the sentence tagger
(``policy_sentence_rules``) combines them with the heading context and cues.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from spacy import util
from spacy.language import Language
from spacy.tokens import Doc, Span

from ..errors import Errors
from ..labels import UNITS_KEY
from ..persistence import load_model

if not Span.has_extension("clf_scores"):
    Span.set_extension("clf_scores", default=None)

MODEL_FILE = "model.skops"


def default_model_path() -> Path:
    return Path(__file__).resolve().parent.parent.parent / "models" / "sentence-classifier" / MODEL_FILE


@Language.factory("policy_sentence_classifier", default_config={"model": None})
def make_sentence_classifier(nlp: Language, name: str, model: str | None):
    return SentenceClassifierComponent(name, model=model)


class SentenceClassifierComponent:
    def __init__(self, name: str, *, model: str | None):
        self.name = name
        self.model_path = Path(model) if model else default_model_path()
        self.estimator = None

    def initialize(self, get_examples=None, *, nlp=None):
        self.estimator = load_model(self.model_path)

    def __call__(self, doc: Doc) -> Doc:
        if self.estimator is None:
            raise ValueError(Errors.E017)
        units = list(doc.spans.get(UNITS_KEY, []))
        if not units:
            return doc
        tokens = [[t.text for t in span if not t.is_space] for span in units]
        probs = self.estimator.predict_proba(tokens)
        classes = [str(c) for c in self.estimator.classes_]
        for span, row in zip(units, probs, strict=True):
            span._.clf_scores = {label: float(p) for label, p in zip(classes, row, strict=True)}
        return doc

    def to_disk(self, path, *, exclude=tuple()):
        path = util.ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.model_path, path / MODEL_FILE)

    def from_disk(self, path, *, exclude=tuple()):
        self.model_path = util.ensure_path(path) / MODEL_FILE
        self.estimator = load_model(self.model_path)
        return self
