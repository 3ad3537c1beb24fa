"""Building the policy ``zh`` pipeline from its config file."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import spacy
from spacy import util
from spacy.language import Language

from . import tokenizer  # noqa: F401  (registers the tokenizer)
from .components import entities, sentence_classifier, sentence_rules, structure, trained_ner  # noqa: F401  (registers factories)
from .data_files import data_path
from .errors import Errors
from .models import ensure_pkuseg_model, licence_note, resolve_pkuseg_dir

DEFAULT_CONFIG = Path(__file__).parent / "configs" / "default.cfg"
POLICY_USER_DICT = "policy"
ENV_PIPELINE = "POLICY_PIPELINE_MODEL"


def user_dict_path(user_dict: str | None) -> str | None:
    """``"policy"`` is the bundled domain dictionary, ``"default"`` pkuseg's own, else a file."""
    if user_dict == POLICY_USER_DICT:
        return str(data_path("user_dict.txt"))
    return user_dict


# A preset for ``build(overrides=ORG_RECALL)``: the ner on every unit that may hold a body, and all
# its ORG spans that overlap no rule span (merge "extend"). On the two hand-annotated work
# reports of corpus/dev/workreports it finds the universities, hospitals, companies and
# delegations the gazetteer does not know (README, Trained models); it costs about five times the
# ner's time of the default, and on the seed report (another genre) it adds wrong spans.
ORG_RECALL = {
    "components.ner.window_org": "",
    "components.ner.gate_chars": "会办协厅团大央委室局府心科组股部队院织行报国联盟学司站",
    "components.policy_entity_rules.merge": "extend",
}


def build(
    config: str | os.PathLike | None = None,
    *,
    overrides: dict | None = None,
    pkuseg_model: str | os.PathLike | None = None,
    user_dict: str | None = POLICY_USER_DICT,
    download: bool = True,
    exclude: Iterable[str] = (),
) -> Language:
    """A freshly initialised pipeline: config file, pkuseg model directory and user dictionary,
    without the components named in ``exclude`` (e.g. a trained one whose training needs the rest).
    ``overrides`` are dotted config settings, as spaCy's (``{"components.ner.gate_chars": "局"}``,
    or the preset ``ORG_RECALL``).

    The model directory is, in order: ``pkuseg_model``, ``[initialize.tokenizer] pkuseg_model``
    of the config, ``$POLICY_PIPELINE_PKUSEG_MODEL``, the downloaded default.
    """
    cfg = util.load_config(config or DEFAULT_CONFIG, overrides=dict(overrides or {}))
    for name in exclude:
        cfg["nlp"]["pipeline"] = [pipe for pipe in cfg["nlp"]["pipeline"] if pipe != name]
        cfg["components"].pop(name, None)
        cfg["initialize"]["components"].pop(name, None)
    explicit = pkuseg_model or cfg["initialize"]["tokenizer"].get("pkuseg_model")
    if explicit is None and not os.environ.get("POLICY_PIPELINE_PKUSEG_MODEL") and download:
        ensure_pkuseg_model()
    model_dir = resolve_pkuseg_dir(explicit)
    licence_note(model_dir)
    cfg["initialize"]["tokenizer"]["pkuseg_model"] = str(model_dir)
    cfg["initialize"]["tokenizer"]["pkuseg_user_dict"] = user_dict_path(user_dict) or "default"
    nlp = util.load_model_from_config(cfg, auto_fill=True, validate=True)
    nlp.initialize()
    return nlp


def load(path: str | os.PathLike | None = None, **kwargs) -> Language:
    """A saved pipeline directory (``nlp.to_disk``), ``$POLICY_PIPELINE_MODEL``, or a fresh build."""
    path = path or os.environ.get(ENV_PIPELINE)
    if not path:
        return build(**kwargs)
    try:
        return spacy.load(path, exclude=list(kwargs.get("exclude", ())))
    except (OSError, ValueError) as err:
        raise OSError(Errors.E014.format(path=path, reason=err)) from err
