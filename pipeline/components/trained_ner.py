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
- it runs on pieces of the document only, each piece a document of its own (the ner was trained
  on single units), batched through ``ner.pipe``. Two gates:

  - ``window_org`` (the default config): windows around the words an ORG rule span can end with
    (``names``, ``suffix_token`` and ``single_token`` of that data file, ``org.json``), from
    ``window_size[0]`` words before such a word to ``window_size[1]`` after it, inside its unit;
    overlapping windows are joined, and around words ending in one of its
    ``model_name_endings`` (大学, 医院, 集团 …). This is all ``policy_entity_rules`` with
    ``merge = "prefix"`` takes from the ner: a span that ends where a rule ORG span ends and
    starts earlier (the administrative prefix), and a body whose name ends in one of those
    endings. On the 76 government work reports the windows are about 5% of the tokens.
  - ``gate_chars``: the sentence units (``doc.spans["units"]``) that hold a word ending in one of
    these characters, for the other merge modes, which take the ner's own spans too (the endings
    of nearly all the ner's ORG spans; 62% of the tokens of the same reports).

  With neither set, or without units, the ner runs on the whole document.
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

from ..data_files import compile_pattern, load_json
from ..errors import Errors
from ..labels import UNITS_KEY
from ..models import find_trained_model

DEFAULT_MODEL = "ner"
_COMPONENT_CFG = "component.json"
_WINDOW_ORG = "window_org.json"




def resolve_ner_dir(model: str | Path) -> Path:
    return find_trained_model(model, "config.cfg")


@Language.factory(
    "policy_trained_ner", default_config={"gate_chars": "", "window_org": "", "window_size": [12, 2]}
)
def make_trained_ner(nlp: Language, name: str, gate_chars: str, window_org: str, window_size: list[int]):
    """Where the ner runs (see the module doc): ``window_org`` (an ORG data file): on windows of
    ``window_size`` words (before, after) around the words an ORG name ends with; ``gate_chars``:
    on the sentence units with a word ending in one of these characters; neither: everywhere."""
    return TrainedNer(nlp, name, gate_chars=gate_chars, window_org=window_org, window_size=window_size)


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

    def __init__(
        self, nlp: Language, name: str, *, gate_chars: str = "", window_org: str = "",
        window_size: list[int] | tuple[int, int] = (12, 2), batch_size: int = 256,
    ):
        if gate_chars and window_org:
            raise ValueError(Errors.E063.format(name=name))
        if len(window_size) != 2 or min(window_size) < 0:
            raise ValueError(Errors.E064.format(name=name, size=list(window_size)))
        self.name = name
        self._nlp = nlp
        self._cfg: dict | None = None
        self.ner = None
        self.gate_chars = frozenset(gate_chars)
        self.window_size = tuple(window_size)
        self.org_ends: OrgEnds | None = OrgEnds(load_json(window_org), window_org) if window_org else None
        self.batch_size = batch_size
        self._threads = None

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.ner.labels) if self.ner is not None else ()

    def __call__(self, doc: Doc) -> Doc:
        if self.ner is None:
            raise ValueError(Errors.E015.format(name=self.name))
        with self._one_thread():
            if not (self.gate_chars or self.org_ends) or UNITS_KEY not in doc.spans:
                return self.ner(doc)
            return self._gated(doc)

    def pipe(self, docs, *, batch_size: int = 128):
        if self.ner is None:
            raise ValueError(Errors.E015.format(name=self.name))
        if self.gate_chars or self.org_ends:
            for doc in docs:
                yield self(doc)
            return
        with self._one_thread():
            yield from self.ner.pipe(docs, batch_size=batch_size)

    def gated_units(self, doc: Doc) -> list[Span]:
        """The pieces of ``doc`` the ner runs on: the windows of ``window_org``, else the sentence
        units with a word ending in one of ``gate_chars``."""
        if self.org_ends is not None:
            return self.org_windows(doc)
        chars = self.gate_chars
        return [u for u in doc.spans[UNITS_KEY] if any(t.text[-1] in chars for t in u)]

    def org_windows(self, doc: Doc) -> list[Span]:
        before, after = self.window_size
        is_end = self.org_ends
        windows: list[Span] = []
        for unit in doc.spans[UNITS_KEY]:
            current: list[int] | None = None
            for token in unit:
                if not is_end(token.text):
                    continue
                start, end = max(unit.start, token.i - before), min(unit.end, token.i + 1 + after)
                if current is not None and start <= current[1]:
                    current[1] = end
                    continue
                if current is not None:
                    windows.append(doc[current[0] : current[1]])
                current = [start, end]
            if current is not None:
                windows.append(doc[current[0] : current[1]])
        return windows

    def ungated(self, doc: Doc) -> Doc:
        """The ner alone, on every sentence unit (on the whole document without units): what it
        finds on its own, for evaluation."""
        if self.ner is None:
            raise ValueError(Errors.E015.format(name=self.name))
        with self._one_thread():
            if UNITS_KEY not in doc.spans:
                return self.ner(doc)
            return self._gated(doc, list(doc.spans[UNITS_KEY]))

    def _gated(self, doc: Doc, units: list[Span] | None = None) -> Doc:
        units = self.gated_units(doc) if units is None else units
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
        if self.org_ends is not None:
            srsly.write_json(path / _WINDOW_ORG, self.org_ends.data)

    def from_disk(self, path, *, exclude=tuple()) -> TrainedNer:
        path = util.ensure_path(path)
        self._restore(srsly.read_json(path / _COMPONENT_CFG), path / "ner")
        if (path / _WINDOW_ORG).exists():
            # the rules the pipeline was saved with, as RuleComponent does for its data files
            self.org_ends = OrgEnds(srsly.read_json(path / _WINDOW_ORG), path / _WINDOW_ORG)
        return self


class OrgEnds:
    """Whether a word can end an ORG name the merge takes from the ner: one of ``names``, or
    matching ``suffix_token`` or ``single_token`` of an ORG data file (the last word of every rule
    pattern), or ending in one of its ``model_name_endings`` (大学, 医院, 集团 …)."""

    _MAX_CACHE = 200_000

    def __init__(self, data: dict, source: str | Path):
        # a pipeline saved before model_name_endings existed has none
        self.data = {key: data[key] for key in ("names", "suffix_token", "single_token")}
        self.data["model_name_endings"] = list(data.get("model_name_endings", []))
        self._names = frozenset(data["names"])
        self._patterns = [compile_pattern(data[key], source) for key in ("suffix_token", "single_token")]
        self._endings = tuple(self.data["model_name_endings"])
        self._cache: dict[str, bool] = {}

    def __call__(self, word: str) -> bool:
        known = self._cache.get(word)
        if known is None:
            if len(self._cache) > self._MAX_CACHE:  # a bound on memory over very long runs
                self._cache.clear()
            known = self._cache[word] = (word in self._names or word.endswith(self._endings)
                                         or any(p.match(word) for p in self._patterns))
        return known


def _numpy_gemm(model) -> None:
    """Run the model's matrix products on numpy's BLAS instead of BLIS (same results, faster)."""
    ops = None
    for node in model.walk():
        if type(node.ops) is NumpyOps and getattr(node.ops, "use_blis", False):
            ops = ops or NumpyOps(use_blis=False)
            node.ops = ops
