"""Where the time goes: CPU time per pipeline stage over the reports, next to bare pkuseg.

    .venv/bin/python benchmarks/stages.py [--corpus FILE_OR_DIR ...] [--every N] [--exclude COMPONENT ...]
                                          [--set COMPONENT.SETTING=VALUE ...] [--json FILE]

One process: bare ``spacy_pkuseg`` cut (the yardstick of throughput.py), then the pipeline stage
by stage (tokenizer, each component, building the record) inside ``nlp.memory_zone()``, as
``pipeline.batch`` runs it. CPU seconds (``time.process_time``), so other jobs on a shared machine
change the numbers less than wall time would. ``--every N`` takes every N-th document.
``--set ner.gate_chars=""`` overrides a component setting of the default config (a JSON value or
a plain string), e.g. to compare the ner on whole documents with the gated ner.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from throughput import default_corpus, load_docs  # noqa: E402


def config_with(settings: list[str]) -> Path | None:
    """The default config with ``component.setting=value`` overrides, written to a temporary file."""
    if not settings:
        return None
    from spacy import util

    from pipeline.language import DEFAULT_CONFIG

    cfg = util.load_config(DEFAULT_CONFIG)
    for item in settings:
        key, value = item.split("=", 1)
        component, setting = key.split(".", 1)
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            pass
        cfg["components"][component][setting] = value
    path = Path(tempfile.mkdtemp(prefix="stages-")) / "config.cfg"
    cfg.to_disk(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", nargs="*", type=Path, default=None)
    parser.add_argument("--every", type=int, default=1)
    parser.add_argument("--exclude", nargs="*", default=[], metavar="COMPONENT")
    parser.add_argument("--set", nargs="*", default=[], dest="settings", metavar="COMPONENT.SETTING=VALUE")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    import spacy_pkuseg

    from pipeline.language import build, user_dict_path
    from pipeline.models import resolve_pkuseg_dir
    from pipeline.output import to_record

    docs, _ = load_docs(args.corpus or default_corpus())
    docs = docs[:: args.every]
    chars = sum(len(d.text) for d in docs)
    seg = spacy_pkuseg.pkuseg(str(resolve_pkuseg_dir()), user_dict=user_dict_path("policy"))
    cpu = time.process_time()
    for doc in docs:
        seg.cut(doc.text)
    bare = time.process_time() - cpu

    nlp = build(config_with(args.settings), exclude=args.exclude)
    times: Counter = Counter()
    for item in docs:
        with nlp.memory_zone():
            cpu = time.process_time()
            doc = nlp.make_doc(item.text)
            times["tokenizer"] += time.process_time() - cpu
            for name, proc in nlp.pipeline:
                cpu = time.process_time()
                doc = proc(doc)
                times[name] += time.process_time() - cpu
            cpu = time.process_time()
            to_record(doc, doc_id=item.doc_id)
            times["record"] += time.process_time() - cpu
    total = sum(times.values())
    print(f"{len(docs)} documents, {chars:,} characters; bare pkuseg {bare:.1f} CPU s, pipeline {total:.1f} CPU s "
          f"= {bare / total:.2f}x bare pkuseg's speed")
    print("| stage | CPU s | share | × bare pkuseg time |\n|---|---:|---:|---:|")
    for name, seconds in times.items():
        print(f"| {name} | {seconds:.1f} | {seconds / total:.1%} | {seconds / bare:.2f} |")
    if args.json:
        args.json.write_text(json.dumps({"documents": len(docs), "characters": chars, "bare_pkuseg_cpu_seconds": bare,
                                         "stages_cpu_seconds": dict(times), "settings": args.settings,
                                         "exclude": args.exclude}, indent=1) + "\n")


if __name__ == "__main__":
    main()
