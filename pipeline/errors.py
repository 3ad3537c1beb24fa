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
        "Data file {path} is not valid: {reason}. Fix the file: its \"_doc\" field describes its "
        "format."
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
    E016 = (
        "The model file {path} contains types that are not on the allowlist: {types}. It was not "
        "loaded. Rebuild it with `policy-pipeline train`, or do not use files from unknown sources."
    )
    E017 = (
        "No trained sentence classifier at {path}. Run `policy-pipeline train` to build it, or set "
        "`model` in the [initialize.components.policy_sentence_classifier] config block to a "
        "folder holding model.skops."
    )
    E018 = (
        "`combination` in cues.json is {value!r}; use one of: {allowed}. `pooled` adds the "
        "classifier's log-probabilities to the rule scores, `rules` ignores the classifier, "
        "`classifier` ignores the rules."
    )
    E015 = (
        "Component {name!r} was used before it was initialised. Call `nlp.initialize()` or "
        "load the pipeline with `pipeline.load()`."
    )
    E020 = (
        "No gold files (<doc_id>.jsonl) in {path}. Pass --gold with a folder of annotated reports "
        "(schema: pipeline/gold.py), each with its text in ../raw/<doc_id>.txt."
    )
    E021 = "Gold file {path}, line {line}: {reason}. Fix the record (schema: pipeline/gold.py)."
    E022 = (
        "The raw text of gold document {doc_id!r} could not be read from {path} ({reason}). Put "
        "the report's text there, or pass --raw with the folder that holds it."
    )
    E023 = (
        "The pipeline sets no labelled units: {reason}. Evaluate a pipeline whose components fill "
        "doc.spans['units'] (or doc.sents) and set span._.label, such as `pipeline.load()`."
    )

    E024 = (
        "No free lexeme flags for the word tests of {name!r}: FLAG19-FLAG63 of the vocab are all "
        "registered (Vocab.add_flag). Register fewer flags of your own in this pipeline."
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
    E063 = (
        "Component {name!r}: set either gate_chars or window_org, not both. window_org (windows "
        "around the words an ORG name ends with) suits policy_entity_rules with merge = \"prefix\"; "
        "gate_chars (whole units) suits the merge modes that take the ner's own spans."
    )
    E064 = (
        "Component {name!r}: window_size must be two non-negative word counts [before, after], "
        "not {size}. The default is [12, 2]."
    )

    # E030-E059: batch runs (pipeline/readers.py, decoding.py, batch.py, workers.py, writers.py,
    # batch_run.py, engines/).
    E030 = (
        "{path} looks like {kind}, not text. Extract its text first (pdftotext for a PDF, OCR "
        "for an image) or remove it from the input; the other documents were processed."
    )
    E031 = (
        "{source} is malformed: {reason}. Fix that line or row (JSONL: one JSON object a line; "
        "CSV: the header's columns); the other rows were processed."
    )
    E032 = (
        "{source} has no text in column {column!r} ({reason}). Fill it, or pass --text-column "
        "with the column that holds the text."
    )
    E033 = (
        "{path} has no column {column!r} (it has: {columns}). Pass --text-column/--id-column "
        "with one of them."
    )
    E034 = (
        "The output {output} would overwrite the input {path}. Choose an output path that is "
        "not one of the inputs."
    )
    E035 = "{path} is a symbolic link to {target}, which does not exist. Fix or remove the link."
    E036 = (
        "Could not read {path} ({reason}). Make the file readable (check its permissions) and "
        "run again; finished documents are kept."
    )
    E037 = (
        "The document has {chars} characters, more than --max-chars {limit}. Split it, or raise "
        "--max-chars (longer documents are processed in pieces of {piece} characters)."
    )
    E038 = (
        "The worker process died twice while processing this document ({reason}). Something in "
        "it crashes a native library or exhausts memory; run it alone with --workers 1 to see "
        "the traceback."
    )
    E039 = (
        "Processing took longer than {seconds:.0f} s, twice, and the worker was stopped. Check "
        "the document for pathological content, or raise --doc-timeout."
    )
    E040 = (
        "--engine dask with --scheduler needs --model: a pipeline directory (`policy-pipeline "
        "models --save DIR`) at a path every Dask worker can read."
    )
    E041 = (
        "The Dask engine needs dask.distributed ({reason}). Install it with "
        "`pip install 'policy-pipeline[dask]'`."
    )
    E042 = (
        "The worker processes could not start: {reason}. Fix the pipeline (--model, or run "
        "`policy-pipeline models`) and run again."
    )
    E043 = (
        "{path} could not be read as {kind} ({reason}). Check that the file is complete "
        "(export or download it again); the other inputs were processed."
    )
    E044 = (
        "No input documents were found in {paths}. `run` reads .txt, .html/.htm, .jsonl, .csv "
        "and .parquet files, Hugging Face datasets saved with save_to_disk, and folders of them "
        "(recursively)."
    )
    E045 = (
        "The run was interrupted; {done} documents are finished in {partial}. Run the same "
        "command again to resume from there."
    )
    E046 = (
        "Could not connect to the Dask scheduler at {address} ({reason}). Check the address "
        "(tcp://host:8786), or leave out --scheduler to start a local cluster."
    )
    E047 = "Invalid options: {reason}."


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

    # W010-W019: batch runs.
    W010 = (
        "doc_id {doc_id!r} also belongs to an earlier document ({first}); both are in the output. "
        "Join the tables on doc_index, or pass --id-column with a unique column."
    )
    W011 = (
        "The text is in Traditional Chinese; the rules' lexicons are Simplified, so labels and "
        "ORG/LAW entities may be missed. Convert it with OpenCC (t2s) for better results."
    )
    W012 = (
        "The document has {chars} characters and was processed in {pieces} pieces of at most "
        "{piece} characters, cut at line breaks; section paths do not carry across pieces."
    )
    W013 = (
        "{count} byte sequences that are not valid in the detected encoding were replaced by "
        "U+FFFD; offsets refer to the repaired text."
    )
    W014 = (
        "The row has no id in column {column!r}; its doc_id is made from the file name and the "
        "row number."
    )
    W015 = (
        "The partial output {path} is from a run with other inputs or options; it was discarded "
        "and the run starts from the beginning."
    )
    W016 = "Lines of the file are in different encodings ({encodings}); each line was decoded with its own."
    W017 = "Resuming: {done} documents were already finished in {path}."


_shown: set[str] = set()


def warn_once(message: str) -> None:
    """Warn once per process; the licence note is useful once, noise after that."""
    if message in _shown:
        return
    _shown.add(message)
    warnings.warn(message, UserWarning, stacklevel=2)
