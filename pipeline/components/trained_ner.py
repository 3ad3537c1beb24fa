"""The trained ner (``pipeline/train/ner.py``) as a component of the policy pipeline.

The artefact in ``models/ner/`` is a spaCy pipeline whose tokenizer is the plain zh character
segmenter, so it loads with ``spacy.load`` anywhere and does not carry the 167 MB pkuseg model.
This component takes over only its ``ner`` into the policy pipeline's vocab; the tokens it sees
are our pkuseg tokens, as in training.

Why not ``source = "models/ner"`` in the config: spaCy resolves that path against the working
directory, and ``nlp.initialize()`` (which ``pipeline.build`` runs) re-initialises sourced
components with random weights. Here ``initialize`` loads the trained weights instead (the path
comes from ``[initialize.components.<name>] model``, relative paths under the models folder), and
``to_disk``/``from_disk`` carry them inside a saved pipeline, so ``spacy.load`` of a saved
pipeline needs no models folder.
"""

from __future__ import annotations

from pathlib import Path

import srsly
from spacy import util
from spacy.language import Language
from spacy.pipeline.ner import make_ner
from spacy.tokens import Doc
from spacy.util import registry

from ..errors import Errors
from ..models import models_dir

DEFAULT_MODEL = "ner"
_COMPONENT_CFG = "component.json"


REPO_MODELS = Path(__file__).resolve().parents[2] / "models"


def resolve_ner_dir(model: str | Path) -> Path:
    """An absolute path as given; a relative one under the models folder, else under the
    repository's ``models/`` (where the trained ner is committed, even when
    ``POLICY_PIPELINE_MODELS`` points the downloaded models elsewhere)."""
    path = Path(model)
    if path.is_absolute():
        return path
    for base in (models_dir(), REPO_MODELS):
        if (base / path / "config.cfg").exists():
            return base / path
    return models_dir() / path


@Language.factory("policy_trained_ner")
def make_trained_ner(nlp: Language, name: str):
    return TrainedNer(nlp, name)


class TrainedNer:
    """Delegates to a spaCy ``EntityRecognizer`` restored from the trained artefact."""

    def __init__(self, nlp: Language, name: str):
        self.name = name
        self._nlp = nlp
        self._cfg: dict | None = None
        self.ner = None

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.ner.labels) if self.ner is not None else ()

    def __call__(self, doc: Doc) -> Doc:
        if self.ner is None:
            raise ValueError(Errors.E015.format(name=self.name))
        return self.ner(doc)

    def pipe(self, docs, *, batch_size: int = 128):
        if self.ner is None:
            raise ValueError(Errors.E015.format(name=self.name))
        yield from self.ner.pipe(docs, batch_size=batch_size)

    def initialize(self, get_examples=None, *, nlp=None, model: str = DEFAULT_MODEL) -> None:
        path = resolve_ner_dir(model)
        try:
            cfg = util.load_config(path / "config.cfg", interpolate=True)
            component = dict(cfg["components"]["ner"])
        except (OSError, KeyError) as err:
            raise OSError(Errors.E062.format(path=path, reason=err)) from err
        self._restore(component, path / "ner")

    def _restore(self, component: dict, weights: Path) -> None:
        if not (weights / "model").exists():
            raise OSError(Errors.E062.format(path=weights, reason="no ner/model"))
        if component.get("factory") != "ner":
            raise OSError(Errors.E062.format(path=weights, reason=f"factory {component.get('factory')!r}, not 'ner'"))
        # make_ner rather than nlp.create_pipe: create_pipe would record the inner component's
        # config under this component's name, and a saved pipeline would then reload a bare ner.
        settings = registry.resolve({k: v for k, v in component.items() if k != "factory"})
        ner = make_ner(self._nlp, self.name, **settings)
        ner.from_disk(weights, exclude=["vocab"])
        self.ner, self._cfg = ner, component

    def to_disk(self, path, *, exclude=tuple()) -> None:
        if self.ner is None:
            raise ValueError(Errors.E015.format(name=self.name))
        path = util.ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / _COMPONENT_CFG, self._cfg)
        self.ner.to_disk(path / "ner", exclude=["vocab"])

    def from_disk(self, path, *, exclude=tuple()) -> TrainedNer:
        path = util.ensure_path(path)
        self._restore(srsly.read_json(path / _COMPONENT_CFG), path / "ner")
        return self
