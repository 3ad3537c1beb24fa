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
    ``overrides`` are dotted config settings, as spaCy's
    (``{"components.policy_entity_rules.merge": "extend"}``).

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
