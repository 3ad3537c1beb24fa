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

Speed (README, *Benchmark*): the ner is the most expensive stage of the default pipeline, so

- its matrix products run on numpy's BLAS (OpenBLAS, one thread) rather than thinc's default
  BLIS, whose wheel falls back to its generic reference kernel on current CPUs (AVX-512 EPYC):
  the same numbers, about 1.6 times less CPU (the output is identical);
- with ``gate_chars`` set, it runs only on the sentence units (``doc.spans["units"]``) that
  hold a word (token) ending in one of those characters, each unit a document of its own (the
  ner was trained on single units), batched through ``ner.pipe``. An ORG span ends with a word,
  so the units left out hold no ORG span ending in one of these characters, the endings of
  nearly all the ner's ORG spans. The default config gives the last characters of the ORG gazetteer's names and suffixes in
  ``data/org.json`` plus those of the bodies the ner also learnt from news (组织, 银行, 日报,
  联合国, 联盟, 大学, 公司, 电站). On the government work reports this runs the ner on 62% of the
  tokens, and 96% of the merged ORG spans stay as they were (README, *Benchmark*). The gate is
  meant for ``policy_entity_rules`` with ``model_labels = ["ORG"]``: the ner's LAW and QUANTITY
  spans (which the rules supersede) are then only found in the units it runs on.
  ``gate_chars = ""`` runs the ner on the whole document.
"""

from __future__ import annotations

from pathlib import Path

import srsly
from spacy import util
from spacy.language import Language
from spacy.pipeline.ner import make_ner
from spacy.tokens import Doc, Span
from spacy.util import registry
from thinc.api import NumpyOps

from ..errors import Errors
from ..labels import UNITS_KEY
from ..models import find_trained_model

DEFAULT_MODEL = "ner"
_COMPONENT_CFG = "component.json"




def resolve_ner_dir(model: str | Path) -> Path:
    return find_trained_model(model, "config.cfg")


@Language.factory("policy_trained_ner", default_config={"gate_chars": ""})
def make_trained_ner(nlp: Language, name: str, gate_chars: str):
    """``gate_chars``: run the ner only on the sentence units with a word ending in one of these
    characters ("" = on the whole document; see the module doc)."""
    return TrainedNer(nlp, name, gate_chars=gate_chars)


def _blas_one_thread():
    """A context that holds numpy's BLAS to one thread (the pipeline runs one process per core)."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return None
    return ThreadpoolController()


class _NoLimit:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class TrainedNer:
    """Delegates to a spaCy ``EntityRecognizer`` restored from the trained artefact."""

    def __init__(self, nlp: Language, name: str, *, gate_chars: str = "", batch_size: int = 256):
        self.name = name
        self._nlp = nlp
        self._cfg: dict | None = None
        self.ner = None
        self.gate_chars = frozenset(gate_chars)
        self.batch_size = batch_size
        self._threads = None

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.ner.labels) if self.ner is not None else ()

    def __call__(self, doc: Doc) -> Doc:
        if self.ner is None:
            raise ValueError(Errors.E015.format(name=self.name))
        with self._one_thread():
            if not self.gate_chars or UNITS_KEY not in doc.spans:
                return self.ner(doc)
            return self._gated(doc)

    def pipe(self, docs, *, batch_size: int = 128):
        if self.ner is None:
            raise ValueError(Errors.E015.format(name=self.name))
        if self.gate_chars:
            for doc in docs:
                yield self(doc)
            return
        with self._one_thread():
            yield from self.ner.pipe(docs, batch_size=batch_size)

    def gated_units(self, doc: Doc) -> list[Span]:
        """The sentence units the ner runs on under the gate: those with a word ending in one
        of ``gate_chars``."""
        chars = self.gate_chars
        return [u for u in doc.spans[UNITS_KEY] if any(t.text[-1] in chars for t in u)]

    def _gated(self, doc: Doc) -> Doc:
        units = self.gated_units(doc)
        pieces = (Doc(doc.vocab, words=[t.text for t in u], spaces=[bool(t.whitespace_) for t in u])
                  for u in units)
        ents = []
        for unit, piece in zip(units, self.ner.pipe(pieces, batch_size=self.batch_size), strict=True):
            ents.extend(Span(doc, unit.start + e.start, unit.start + e.end, label=e.label) for e in piece.ents)
        doc.ents = ents
        return doc

    def _one_thread(self):
        if self._threads is None:
            self._threads = _blas_one_thread() or False
        return self._threads.limit(limits=1, user_api="blas") if self._threads else _NoLimit()

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
        _numpy_gemm(ner.model)
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


def _numpy_gemm(model) -> None:
    """Run the model's matrix products on numpy's BLAS instead of BLIS (same results, faster)."""
    ops = None
    for node in model.walk():
        if type(node.ops) is NumpyOps and getattr(node.ops, "use_blis", False):
            ops = ops or NumpyOps(use_blis=False)
            node.ops = ops
