"""Batch runs: pieces, Parquet tables, the partition function, resume after interruption, Dask."""

import json
import signal
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from pipeline import batch
from pipeline.batch import Limits, iter_pieces, process_doc
from pipeline.cli import app
from pipeline.readers import InputDoc
from pipeline.writers import FolderSink, JsonlSink

runner = CliRunner()
DOC = "一、工作情况\n2022年，共受理行政复议案件32件，办结28件。\n二、存在的问题\n人员短缺，经费不足。\n三、下一步工作安排\n将进一步加强队伍建设。\n"


@pytest.fixture
def cached(nlp, monkeypatch):
    """`run` in this process reuses the session's pipeline instead of loading its own."""
    monkeypatch.setitem(batch._PIPELINES, json.dumps({}), nlp)
    return nlp


def _docs_from(seed_text: str, count: int) -> list[str]:
    """Documents of different lengths cut from the seed report, each starting with a heading."""
    lines = seed_text.splitlines()
    return ["\n".join([f"{i + 1}、第{i + 1}部分", *lines[i % len(lines):][: 3 + i % 5]]) + "\n" for i in range(count)]


def _check_offsets(record, text):
    previous = 0
    for sent in record["sentences"]:
        assert text[sent["start"]:sent["end"]] == sent["text"]
        assert sent["start"] >= previous
        previous = sent["end"]
    for ent in record["entities"]:
        assert text[ent["start"]:ent["end"]] == ent["text"]


def test_pieces_cover_the_text_at_line_breaks():
    text = DOC * 40
    pieces = list(iter_pieces(text, 1000))
    assert pieces[0][0] == 0 and pieces[-1][1] == len(text)
    assert all(a < b <= a + 1000 and text[b - 1] == "\n" for a, b in pieces[:-1])
    assert all(pieces[i][1] == pieces[i + 1][0] for i in range(len(pieces) - 1))


def test_long_document_in_pieces_keeps_offsets_and_units(nlp):
    text = DOC * 40
    whole = process_doc(nlp, InputDoc("d", "d", text, meta={}))
    pieced = process_doc(nlp, InputDoc("d", "d", text, meta={}), Limits(piece_chars=1000))
    _check_offsets(pieced, text)
    assert [w["code"] for w in pieced["meta"]["warnings"]] == ["W012"]
    # Cuts at line breaks never split a unit: the same units as the whole document.
    assert [(s["start"], s["end"]) for s in pieced["sentences"]] == [(s["start"], s["end"]) for s in whole["sentences"]]
    assert pieced["chars"] == len(text)


def test_unpunctuated_line_in_pieces_keeps_offsets(nlp):
    text = "数据治理能力建设发展经济社会" * 300  # 4,200 characters, no line break, no pause
    record = process_doc(nlp, InputDoc("d", "d", text, meta={}), Limits(piece_chars=1000))
    _check_offsets(record, text)
    assert "".join(s["text"] for s in record["sentences"]) == text


def test_too_long_document_gets_e037(nlp):
    record = process_doc(nlp, InputDoc("d", "d", DOC * 10, meta={}), Limits(max_chars=100))
    assert record["error"]["code"] == "E037" and record["chars"] == len(DOC * 10)


def test_partition_function_is_plain_pandas(cached, nlp):
    import pandas as pd

    from pipeline.frames import docs_to_frame, process_frame

    docs = [InputDoc("a", "src-a", DOC, meta={"encoding": "utf-8"}), InputDoc("b", "src-b", error=("E030", "binary"))]
    out = process_frame(docs_to_frame(docs))
    assert list(out.columns) == ["doc_id", "source", "chars", "error_code", "record"]
    assert json.loads(out["record"][0]) == process_doc(nlp, docs[0])
    assert out["error_code"].tolist() == [None, "E030"]
    # What Spark's mapInPandas or Ray's map_batches would hand over: only doc_id and text.
    minimal = process_frame(pd.DataFrame({"doc_id": ["x"], "text": [DOC]}))
    assert json.loads(minimal["record"][0])["sentences"] == process_doc(nlp, docs[0])["sentences"]


def test_parquet_tables_carry_the_jsonl_content(tmp_path, cached):
    import datasets
    import pandas as pd

    from pipeline.tables import records_from_tables

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(DOC, encoding="utf-8")
    (tmp_path / "in" / "b.txt").write_bytes(b"%PDF-1.4\n")
    (tmp_path / "in" / "c.jsonl").write_text(json.dumps({"doc_id": "c", "text": DOC * 2}, ensure_ascii=False) + "\n",
                                            encoding="utf-8")
    out, tables = tmp_path / "out.jsonl", tmp_path / "tables"
    result = runner.invoke(app, ["run", str(tmp_path / "in"), "-o", str(out), "--parquet", str(tables), "--quiet"])
    assert result.exit_code == 1, result.output  # b.txt is a PDF
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    frames = {name: pd.read_parquet(tables / f"{name}.parquet") for name in ("documents", "sentences", "entities")}
    assert records_from_tables(frames["documents"], frames["sentences"], frames["entities"]) == records
    assert frames["documents"]["error_code"].isna().tolist() == [True, False, True]
    assert frames["sentences"]["label"].notna().all()
    loaded = datasets.Dataset.from_parquet(str(tables / "entities.parquet"), cache_dir=str(tmp_path / "hf"))
    assert loaded.num_rows == len(frames["entities"]) > 0
    summary = json.loads((tmp_path / "out.summary.json").read_text(encoding="utf-8"))
    assert summary["documents"] == 3 and summary["errors"] == {"E030": 1}
    assert set(summary) >= {"characters", "seconds", "chars_per_second", "sentence_labels", "entity_labels",
                            "warnings", "resumed_documents", "outputs"}
    assert not list(tables.glob(".*"))  # no temporary files left


def _record(doc_id, source):
    return {"doc_id": doc_id, "source": source, "chars": 1, "meta": {}, "sentences": [], "entities": [], "error": None}


def test_jsonl_resume_drops_a_torn_last_line(tmp_path):
    out = tmp_path / "out.jsonl"
    sink = JsonlSink(out, "fp").open()
    for name in "ab":
        sink.write(_record(name, name))
    sink.abort()
    with open(sink.part, "a", encoding="utf-8") as handle:
        handle.write('{"doc_id": "c", "sou')  # killed in the middle of a write
    resumed = JsonlSink(out, "fp").open()
    docs = [InputDoc(n, n, "x") for n in "abc"]
    assert [resumed.finished(d) is not None for d in docs] == [True, True, False]
    resumed.write(_record("c", "c"))
    resumed.close()
    assert [json.loads(line)["doc_id"] for line in out.read_text().splitlines()] == ["a", "b", "c"]
    assert not sink.part.exists() and not sink.state_path.exists()


def test_jsonl_resume_needs_the_same_run(tmp_path):
    out = tmp_path / "out.jsonl"
    sink = JsonlSink(out, "fp").open()
    sink.write(_record("a", "a"))
    sink.abort()
    other = JsonlSink(out, "other-inputs").open()
    assert any("W015" in note for note in other.notes)
    assert other.finished(InputDoc("a", "a", "x")) is None


def test_jsonl_resume_stops_trusting_where_inputs_changed(tmp_path):
    out = tmp_path / "out.jsonl"
    sink = JsonlSink(out, "fp").open()
    for name in "abc":
        sink.write(_record(name, name))
    sink.abort()
    resumed = JsonlSink(out, "fp").open()
    assert resumed.finished(InputDoc("a", "a", "x")) is not None
    assert resumed.finished(InputDoc("z", "z", "x")) is None  # b was replaced by z
    resumed.write(_record("z", "z"))
    resumed.close()
    assert [json.loads(line)["doc_id"] for line in out.read_text().splitlines()] == ["a", "z"]


def test_folder_resume_and_safe_names(tmp_path):
    sink = FolderSink(tmp_path / "out", "fp").open()
    docs = [InputDoc("../escape", "s1", "x"), InputDoc("a", "s2", "x"), InputDoc("a", "s3", "x")]
    for doc in docs[:2]:
        assert sink.finished(doc) is None
        sink.write(_record(doc.doc_id, doc.source))
    sink.abort()
    assert not (tmp_path / "escape.json").exists()
    resumed = FolderSink(tmp_path / "out", "fp").open()
    assert [resumed.finished(d) is not None for d in docs] == [True, True, False]
    resumed.write(_record("a", "s3"))
    resumed.close()
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["_escape-" + names[0].split("-")[-1], "a.json", "a_.json"]


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])  # SIGTERM once became a failed document
def test_interrupted_run_resumes_to_the_same_output(tmp_path, cached, seed_text, signum):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for i, text in enumerate(_docs_from(seed_text * 3, 40)):
        (inputs / f"d{i:02d}.txt").write_text(text * 6, encoding="utf-8")
    reference = tmp_path / "reference.jsonl"
    assert runner.invoke(app, ["run", str(inputs), "-o", str(reference), "--quiet"]).exit_code == 0
    out = tmp_path / "out.jsonl"
    part = tmp_path / "out.jsonl.part"
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "run", str(inputs), "-o", str(out), "--quiet"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if part.exists() and part.read_bytes().count(b"\n") >= 5:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    proc.send_signal(signum)
    assert proc.wait(60) == 130
    assert b"E045" in proc.stderr.read()
    assert not out.exists() and part.exists()
    finished = part.read_bytes().count(b"\n")
    with open(part, "ab") as handle:
        handle.write(b'{"doc_id": "d99", "source": ')  # and a torn record a resume must not trust
    result = runner.invoke(app, ["run", str(inputs), "-o", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == reference.read_text(encoding="utf-8")
    summary = json.loads((tmp_path / "out.summary.json").read_text(encoding="utf-8"))
    assert summary["resumed_documents"] == finished >= 5 and summary["documents"] == 40


@pytest.mark.slow
def test_dask_on_two_workers_equals_one_process(tmp_path, nlp, cached, seed_text):
    pytest.importorskip("distributed")
    inputs = tmp_path / "in"
    inputs.mkdir()
    for i, text in enumerate(_docs_from(seed_text, 6)):
        (inputs / f"d{i}.txt").write_text(text, encoding="utf-8")
    rows = [{"doc_id": f"row{i}", "text": text} for i, text in enumerate(_docs_from(seed_text[::-1], 4))]
    (inputs / "rows.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    (inputs / "broken.txt").write_bytes(b"\x89PNG\r\n\x1a\n")
    model = tmp_path / "model"
    nlp.to_disk(model)
    single, dask_out = tmp_path / "single.jsonl", tmp_path / "dask.jsonl"
    assert runner.invoke(app, ["run", str(inputs), "-o", str(single), "--quiet"]).exit_code == 1
    result = runner.invoke(app, ["run", str(inputs), "-o", str(dask_out), "--engine", "dask", "--workers", "2",
                                 "--model", str(model), "--quiet"])
    assert result.exit_code == 1, result.output
    assert dask_out.read_text(encoding="utf-8") == single.read_text(encoding="utf-8")
    summary = json.loads((tmp_path / "dask.summary.json").read_text(encoding="utf-8"))
    assert summary["engine"] == "dask" and len(summary["dask"]["workers"]) == 2


def test_dask_dataframe_api(tmp_path, nlp, monkeypatch):
    dd = pytest.importorskip("dask.dataframe")
    import pandas as pd

    from pipeline.engines.dask import tag_dataframe

    monkeypatch.setitem(batch._PIPELINES, json.dumps({"path": str(tmp_path)}), nlp)
    frame = pd.DataFrame({"doc_id": ["a", "b", "c"], "text": [DOC, DOC * 2, "人员短缺。"]})
    out = tag_dataframe(dd.from_pandas(frame, npartitions=2), tmp_path).compute(scheduler="synchronous")
    assert out["doc_id"].tolist() == ["a", "b", "c"]
    assert [json.loads(r)["chars"] for r in out["record"]] == [len(DOC), 2 * len(DOC), 5]


def test_exit_code_2_for_output_over_an_input(tmp_path):
    data = tmp_path / "rows.jsonl"
    data.write_text('{"doc_id": "a", "text": "甲。"}\n', encoding="utf-8")
    before = data.read_bytes()
    result = runner.invoke(app, ["run", str(data), "-o", str(data)])
    assert result.exit_code == 2 and "E034" in result.output
    assert data.read_bytes() == before
    result = runner.invoke(app, ["run", str(data), "-o", str(tmp_path / "o.jsonl"), "--scheduler", "tcp://x:1"])
    assert result.exit_code == 2 and "E047" in result.output


def test_memory_zone_keeps_the_string_store_flat(nlp):
    """Strings a document interns are freed after it: a long run does not grow the vocab."""
    import random

    rng = random.Random(7)
    alphabet = [chr(c) for c in range(0x4E00, 0x9FA5)]
    before = len(nlp.vocab.strings)
    for i in range(30):
        text = "".join(rng.choice(alphabet) for _ in range(200)) + "。\n"
        assert process_doc(nlp, InputDoc(f"r{i}", "r", text, meta={}))["error"] is None
    assert len(nlp.vocab.strings) == before
