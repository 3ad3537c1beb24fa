"""Throughput of the batch path, in one run, over the government work reports.

    .venv/bin/python benchmarks/throughput.py [--corpus FILE_OR_DIR ...] [--json FILE] [--wait-idle SECONDS]
                                              [--cases CASE ...] [--exclude COMPONENT ...]

Cases, each in a fresh process so load time and peak memory are its own:

  pkuseg        bare spacy_pkuseg ``cut`` with the pipeline's model and user dictionary (the yardstick)
  jieba         bare ``jieba.lcut``
  pipeline-1    the full pipeline in one process (pipeline.batch.process_docs)
  pipeline-2    the full pipeline on 2 worker processes (pipeline.workers.WorkerPool)
  dask-2        the full pipeline on a dask.distributed LocalCluster with 2 workers
  jieba-pipe    the same pipeline with jieba as the segmenter, cut unit by unit like pkuseg

Speeds are measured after the pipeline is loaded (load time is reported on its own) and include
everything a run does per document: parsing, building records, sending them between processes.
"chars per CPU-second" divides by the CPU time of every process involved (workers and driver),
so it shows the cost of parallelism apart from how many cores the machine has free; the run
also probes how much of a core each of two busy processes gets (1.0 = two idle cores).
The corpus is /work/shared/corpora/reports/*.jsonl when present, else corpus/reports/*.jsonl.
``--exclude`` leaves components out of the pipeline (``pipeline.load(exclude=...)``) in every
pipeline case, e.g. to time the pipeline as committed while a new component is being added.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "corpora" / "reports"
CASES = ("pkuseg", "jieba", "pipeline-1", "pipeline-2", "dask-2", "jieba-pipe")
LOAD_KWARGS: dict = {}  # pipeline.load arguments of the pipeline cases (--exclude)


def default_corpus() -> list[Path]:
    shared = sorted(SHARED.glob("*.jsonl"))
    return shared or sorted((ROOT / "corpus" / "reports").glob("*.jsonl"))


def load_docs(paths: list[Path]):
    from pipeline.readers import iter_paths, read_inputs

    docs = [d for d in read_inputs(iter_paths(paths)) if d.error is None]
    return docs, sum(len(d.text) for d in docs)


def peak_rss_mb() -> float:
    from pipeline.workers import peak_rss_mb as peak

    return peak()


# --------------------------------------------------------------------------- the cases


def case_pkuseg(docs) -> dict:
    import spacy_pkuseg

    from pipeline.language import user_dict_path
    from pipeline.models import resolve_pkuseg_dir

    started = time.perf_counter()
    seg = spacy_pkuseg.pkuseg(str(resolve_pkuseg_dir()), user_dict=user_dict_path("policy"))
    load = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    for doc in docs:
        seg.cut(doc.text)
    return {"seconds": time.perf_counter() - started, "work_cpu_seconds": time.process_time() - cpu,
            "load_seconds": load, "peak_rss_mb": [peak_rss_mb()]}


def case_jieba(docs) -> dict:
    import jieba

    from pipeline.data_files import data_path

    started = time.perf_counter()
    jieba.setLogLevel(60)
    jieba.initialize()
    jieba.load_userdict(str(data_path("user_dict.txt")))
    load = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    for doc in docs:
        jieba.lcut(doc.text)
    return {"seconds": time.perf_counter() - started, "work_cpu_seconds": time.process_time() - cpu,
            "load_seconds": load, "peak_rss_mb": [peak_rss_mb()]}


def case_pipeline_1(docs) -> dict:
    from pipeline.batch import get_pipeline, process_docs

    started = time.perf_counter()
    nlp = get_pipeline(LOAD_KWARGS)
    load = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    errors = sum(1 for record in process_docs(docs, nlp=nlp) if record["error"])
    return {"seconds": time.perf_counter() - started, "work_cpu_seconds": time.process_time() - cpu,
            "load_seconds": load, "peak_rss_mb": [peak_rss_mb()], "errors": errors}


def case_pipeline_2(docs) -> dict:
    from multiprocessing.connection import wait

    from pipeline.workers import WorkerPool

    started = time.perf_counter()
    with WorkerPool(2, load_kwargs=LOAD_KWARGS) as pool:
        while not all(w.ready for w in pool._workers):  # time the work, not the start-up
            for conn in wait([w.conn for w in pool._workers if not w.ready]):
                pool._receive(next(w for w in pool._workers if w.conn is conn), {})
        ready = time.perf_counter() - started
        started, cpu = time.perf_counter(), time.process_time()
        errors = sum(1 for record in pool.imap(docs) if record["error"])
        seconds, parent_cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"seconds": seconds, "load_seconds": max(pool.stats.load_seconds), "ready_seconds": ready,
            "peak_rss_mb": [w["peak_rss_mb"] for w in pool.stats.workers], "parent_rss_mb": peak_rss_mb(),
            "work_cpu_seconds": parent_cpu + sum(w["work_cpu_seconds"] for w in pool.stats.workers),
            "parent_cpu_seconds": parent_cpu, "errors": errors}


def case_dask_2(docs) -> dict:
    import tempfile

    from pipeline.batch import get_pipeline
    from pipeline.engines.dask import DaskEngine

    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / "pipeline"
        get_pipeline(LOAD_KWARGS).to_disk(model)
        started = time.perf_counter()
        engine = DaskEngine(model=model, workers=2)
        with engine:
            ready = time.perf_counter() - started
            started, cpu = time.perf_counter(), time.process_time()
            errors = sum(1 for record in engine.records(docs) if record["error"])
            seconds, parent_cpu = time.perf_counter() - started, time.process_time() - cpu
        workers = engine.stats["workers"]
    return {"seconds": seconds, "load_seconds": max(w["load_seconds"] or 0 for w in workers), "ready_seconds": ready,
            "peak_rss_mb": [w["peak_rss_mb"] for w in workers],
            "work_cpu_seconds": parent_cpu + sum(w["work_cpu_seconds"] for w in workers),
            "parent_cpu_seconds": parent_cpu, "errors": errors}


def case_jieba_pipe(docs) -> dict:
    import jieba
    from spacy import util
    from spacy.tokens import Doc

    from pipeline.batch import get_pipeline, process_docs
    from pipeline.data_files import data_path
    from pipeline.tokenizer import MAX_SEGMENT_CHARS, split_punct
    from pipeline.units import iter_chunks, iter_units

    class JiebaUnitTokenizer:
        """pipeline.tokenizer.PolicyChineseTokenizer with jieba in place of pkuseg."""

        def __init__(self, vocab):
            self.vocab = vocab

        def __call__(self, text):
            words = []
            for start, end in iter_units(text):
                for a, b in iter_chunks(text, start, end, MAX_SEGMENT_CHARS):
                    words.extend(w for w in jieba.lcut(text[a:b]) if not w.isspace())
            words, spaces = util.get_words_and_spaces(split_punct(words), text)
            return Doc(self.vocab, words=words, spaces=spaces)

    started = time.perf_counter()
    jieba.setLogLevel(60)
    jieba.initialize()
    jieba.load_userdict(str(data_path("user_dict.txt")))
    nlp = get_pipeline(LOAD_KWARGS)
    nlp.tokenizer = JiebaUnitTokenizer(nlp.vocab)
    load = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    errors = sum(1 for record in process_docs(docs, nlp=nlp) if record["error"])
    return {"seconds": time.perf_counter() - started, "work_cpu_seconds": time.process_time() - cpu,
            "load_seconds": load, "peak_rss_mb": [peak_rss_mb()], "errors": errors}


def run_case(name: str, corpus: list[Path]) -> dict:
    started = time.perf_counter()
    import pipeline  # noqa: F401  (spaCy and the package: part of a cold start, not of "load")

    import_seconds = time.perf_counter() - started
    docs, chars = load_docs(corpus)
    result = globals()["case_" + name.replace("-", "_")](docs)
    result["import_seconds"] = import_seconds
    result.update({"case": name, "documents": len(docs), "characters": chars, "load_average_1min": os.getloadavg()[0],
                   "chars_per_second": chars / result["seconds"], "docs_per_second": len(docs) / result["seconds"],
                   "chars_per_cpu_second": chars / result["work_cpu_seconds"]})
    return result


# --------------------------------------------------------------------------- the report


def _spin(seconds: float) -> float:
    """Busy-loop for ``seconds`` of wall time; the share of it this process got on a CPU."""
    wall, cpu = time.perf_counter(), time.process_time()
    while time.perf_counter() - wall < seconds:
        sum(i * i for i in range(10_000))
    return (time.process_time() - cpu) / (time.perf_counter() - wall)


def cpu_probe(processes: int = 2, seconds: float = 2.0) -> float:
    """How much of a core each of two busy processes gets right now (1.0: two idle cores).

    This machine is shared: when other jobs run, two workers cannot be twice as fast as one,
    and the table says so instead of hiding it.
    """
    import multiprocessing as mp

    with mp.get_context("spawn").Pool(processes) as pool:
        shares = pool.map(_spin, [seconds] * processes)
    return round(sum(shares) / len(shares), 2)



def git_commit() -> str:
    """HEAD, with "+dirty" when the working tree differs from it (what was measured)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""
    return head + ("+dirty" if dirty else "")


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    memory = ""
    if Path("/proc/meminfo").exists():
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.0f} GB"
    import spacy

    return {"cpu": cpu, "cores": os.cpu_count(), "memory": memory, "python": platform.python_version(),
            "spacy": spacy.__version__, "system": f"{platform.system()} {platform.release()}"}


LABELS = {
    "pkuseg": "bare pkuseg (`spacy_pkuseg` cut)", "jieba": "bare jieba (`jieba.lcut`)",
    "pipeline-1": "full pipeline, 1 process", "pipeline-2": "full pipeline, 2 worker processes",
    "dask-2": "full pipeline, Dask LocalCluster, 2 workers", "jieba-pipe": "full pipeline with jieba as segmenter",
}


def table(results: dict[str, dict]) -> str:
    base = results["pkuseg"]["chars_per_second"]
    lines = ["| case | chars/s | docs/s | × bare pkuseg | chars per CPU-second | load s | peak RSS per process, MB "
             "| CPU share before |", "|---|---:|---:|---:|---:|---:|---|---:|"]
    for name in CASES:
        r = results.get(name)
        if not r:
            continue
        rss = ", ".join(f"{m:.0f}" for m in r["peak_rss_mb"])
        lines.append(f"| {LABELS[name]} | {r['chars_per_second']:,.0f} | {r['docs_per_second']:.2f} | "
                     f"{r['chars_per_second'] / base:.2f} | {r['chars_per_cpu_second']:,.0f} | {r['load_seconds']:.1f} | {rss} "
                     f"| {r['cpu_share_before']:.2f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", nargs="*", type=Path, default=None)
    parser.add_argument("--cases", nargs="*", default=list(CASES), choices=CASES)
    parser.add_argument("--json", type=Path, default=None, help="Also write the results here.")
    parser.add_argument("--wait-idle", type=float, default=0, metavar="SECONDS",
                        help="Before each case, wait up to this long for two idle cores (CPU-share probe >= 0.85).")
    parser.add_argument("--exclude", nargs="*", default=[], metavar="COMPONENT",
                        help="Leave these components out of the pipeline in every pipeline case.")
    parser.add_argument("--case", help=argparse.SUPPRESS)  # internal: run one case, print JSON
    args = parser.parse_args()
    corpus = args.corpus or default_corpus()
    if not corpus:
        sys.exit("No corpus: pass --corpus, or restore corpus/reports/ from git.")
    if args.exclude:
        LOAD_KWARGS["exclude"] = list(args.exclude)
    if args.case:
        print("RESULT " + json.dumps(run_case(args.case, corpus)))
        return
    results: dict[str, dict] = {}
    load_before = os.getloadavg()
    probe_before = cpu_probe()
    for name in args.cases:
        share, waited = cpu_probe(seconds=1.0), time.perf_counter()
        while share < 0.85 and time.perf_counter() - waited < args.wait_idle:
            time.sleep(10)
            share = cpu_probe(seconds=1.0)
        proc = subprocess.run([sys.executable, __file__, "--case", name, "--corpus", *map(str, corpus),
                               *(["--exclude", *args.exclude] if args.exclude else [])],
                              capture_output=True, text=True)
        line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
        if line is None:
            sys.exit(f"case {name} failed:\n{proc.stderr[-3000:]}")
        results[name] = json.loads(line[len("RESULT "):])
        r = results[name]
        r["cpu_share_before"] = share
        print(f"{name:<11} {r['chars_per_second']:>9,.0f} chars/s  {r['seconds']:6.1f} s  load {r['load_seconds']:.1f} s",
              file=sys.stderr)
    report = {
        "command": "python benchmarks/throughput.py " + " ".join(sys.argv[1:]),
        "corpus": [str(p) for p in corpus], "commit": git_commit(), "exclude": list(args.exclude),
        "documents": results[args.cases[0]]["documents"], "characters": results[args.cases[0]]["characters"],
        "machine": machine(), "load_average_before_after": [load_before, os.getloadavg()],
        "cpu_share_of_two_busy_processes_before_after": [probe_before, cpu_probe()],
        "results": results,
    }
    if "pipeline-1" in results and "pipeline-2" in results:
        report["scaling_1_to_2_workers"] = results["pipeline-2"]["chars_per_second"] / results["pipeline-1"]["chars_per_second"]
    if "pipeline-1" in results and "dask-2" in results:
        report["scaling_1_to_2_dask_workers"] = results["dask-2"]["chars_per_second"] / results["pipeline-1"]["chars_per_second"]
    print(table(results) if "pkuseg" in results else json.dumps(results, indent=1))
    for key in ("scaling_1_to_2_workers", "scaling_1_to_2_dask_workers", "cpu_share_of_two_busy_processes_before_after",
                "load_average_before_after"):
        if key in report:
            print(f"{key}: {report[key]}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
