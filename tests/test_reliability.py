"""Failure behaviour: a bad-input corpus generated here, property tests, fault injection, security.

Every bad input gets a record with a coded error or a correct result, and the run goes on.
"""

import csv
import io
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from pipeline import batch
from pipeline.batch import Limits, iter_pieces, process_doc
from pipeline.cli import app
from pipeline.numbers import parse_number
from pipeline.readers import InputDoc, ReadOptions, iter_paths, read_document, read_inputs
from pipeline.units import split_units
from pipeline.workers import WorkerPool, WorkerStartError

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).parent))  # fault_processors, also for the worker processes
import fault_processors  # noqa: E402

runner = CliRunner()
DOC = "一、工作情况\n2022年，共受理行政复议案件32件，办结28件。\n二、存在的问题\n人员短缺。\n"


@pytest.fixture
def cached(nlp, monkeypatch):
    monkeypatch.setitem(batch._PIPELINES, json.dumps({}), nlp)
    return nlp


def records_of(nlp, path: Path, options: ReadOptions | None = None) -> list[dict]:
    return [process_doc(nlp, doc) for doc in read_inputs([path], options)]


def check_offsets(record: dict, text: str) -> None:
    previous = 0
    for sent in record["sentences"]:
        assert text[sent["start"]:sent["end"]] == sent["text"] and sent["start"] >= previous
        previous = sent["end"]
    for ent in record["entities"]:
        assert 0 <= ent["start"] < ent["end"] <= len(text) and text[ent["start"]:ent["end"]] == ent["text"]


def warnings_of(record: dict) -> list[str]:
    return [w["code"] for w in record["meta"].get("warnings", [])]


# --------------------------------------------------------------------------- the bad-input corpus


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b"")


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:t>报告</w:t>")
    return buffer.getvalue()


PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def test_empty_file(nlp, tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (record,) = records_of(nlp, tmp_path / "empty.txt")
    assert record["error"] is None and record["chars"] == 0 and record["sentences"] == []
    assert warnings_of(record) == ["W002"]


def test_whitespace_only(nlp, tmp_path):
    (tmp_path / "blank.txt").write_text("  \n\t\n\u3000\u3000\n\r\n", encoding="utf-8")
    (record,) = records_of(nlp, tmp_path / "blank.txt")
    assert record["error"] is None and record["sentences"] == [] and warnings_of(record) == ["W002"]


@pytest.mark.parametrize(("data", "kind"), [(PDF, "PDF"), (png_bytes(), "PNG"), (zip_bytes(), "zip")])
def test_binary_with_a_text_extension(nlp, tmp_path, data, kind):
    path = tmp_path / "report.txt"
    path.write_bytes(data)
    (record,) = records_of(nlp, path)
    assert record["error"]["code"] == "E030" and kind in record["error"]["message"]


def test_truncated_utf8(nlp, tmp_path):
    path = tmp_path / "cut.txt"
    path.write_bytes(DOC.encode()[:-3])  # cut inside the last character (。 is three bytes)
    (record,) = records_of(nlp, path)
    text = read_document(path).text
    assert record["error"] is None and warnings_of(record) == ["W013"] and text.endswith("\ufffd")
    check_offsets(record, text)


def test_invalid_utf8_bytes_inside(nlp, tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(DOC.encode().replace("人员".encode(), b"\xff\xfe"))
    (record,) = records_of(nlp, path)
    assert record["error"] is None and record["meta"]["encoding"] == "utf-8" and warnings_of(record) == ["W013"]
    assert "32件" in {e["text"] for e in record["entities"]}


def test_mixed_encodings(nlp, tmp_path):
    path = tmp_path / "mixed.txt"
    path.write_bytes("一、工作情况\n共受理案件32件。\n".encode() + "二、存在的问题\n人员短缺。\n".encode("gbk"))
    (record,) = records_of(nlp, path)
    assert record["error"] is None and record["meta"]["encoding"] == "utf-8+gb18030"
    assert [s["text"] for s in record["sentences"]] == ["一、工作情况", "共受理案件32件。", "二、存在的问题", "人员短缺。"]


def test_20_mb_line_without_punctuation_gets_a_coded_error_quickly(nlp, tmp_path):
    path = tmp_path / "huge.txt"
    path.write_bytes("数据治理能力".encode() * (20 * 1024 * 1024 // 18))
    started = time.perf_counter()
    (record,) = records_of(nlp, path)
    assert record["error"]["code"] == "E037" and record["chars"] > 6_000_000
    assert time.perf_counter() - started < 30


@pytest.mark.slow
def test_long_line_raised_limit_is_processed_in_bounded_pieces(nlp):
    text = "数据治理能力建设发展经济社会" * 9000  # 126,000 characters on one line
    record = process_doc(nlp, InputDoc("long", "long", text), Limits(max_chars=200_000, piece_chars=50_000))
    assert record["error"] is None and warnings_of(record) == ["W012"]
    check_offsets(record, text)
    assert "".join(s["text"] for s in record["sentences"]) == text


def test_only_headings(nlp, tmp_path):
    text = "一、总体要求\n二、主要任务\n（一）加强组织领导\n三、保障措施\n"
    (tmp_path / "h.txt").write_text(text, encoding="utf-8")
    (record,) = records_of(nlp, tmp_path / "h.txt")
    assert record["error"] is None and len(record["sentences"]) == 4
    assert all(s["heading"] for s in record["sentences"])
    check_offsets(record, text)


def test_traditional_chinese_1954_report(nlp):
    row = next(json.loads(line) for line in (ROOT / "corpus/reports/state-council-1954-2024.jsonl").open(encoding="utf-8")
               if json.loads(line)["year"] == 1954)
    doc = InputDoc("1954", "1954", row["text"], meta={})
    from pipeline.decoding import looks_traditional

    assert looks_traditional(row["text"])
    record = process_doc(nlp, doc)
    assert record["error"] is None and len(record["sentences"]) > 100
    check_offsets(record, row["text"])


def test_traditional_chinese_gets_a_warning(nlp, tmp_path):
    path = tmp_path / "big5.txt"
    path.write_bytes(("我國偉大的人民革命的根本目的，是在於從帝國主義的壓迫下面解放我國人民。\n" * 5).encode("big5"))
    (record,) = records_of(nlp, path)
    assert record["error"] is None and record["meta"]["encoding"] == "big5" and warnings_of(record) == ["W011"]


def test_full_width_digits_and_chinese_numerals(nlp, tmp_path):
    text = "２０２２年，共受理行政复议案件３２件，增长５．２％，办结二十八件，投入一百零三万元。\n"
    (tmp_path / "fw.txt").write_text(text, encoding="utf-8")
    (record,) = records_of(nlp, tmp_path / "fw.txt")
    values = {e["text"]: (e["value"], e["unit"]) for e in record["entities"] if e["label"] == "QUANTITY"}
    assert values["３２件"] == (32, "件") and values["５．２％"] == (5.2, "%")
    assert values["二十八件"] == (28, "件") and values["一百零三万元"] == (1030000, "元")
    check_offsets(record, text)


HOSTILE_PAGE = """<html><head><title>报告</title><link rel="stylesheet" href="http://example.invalid/a.css">
<script src="http://example.invalid/a.js"></script><script>fetch("http://example.invalid/x"); var s = "<p>假文字</p>";</script>
<style>body {{ background: url(http://example.invalid/bg.png) }}</style></head><body>
<iframe src="http://example.invalid/frame.html">框架里的字</iframe><img src="http://example.invalid/i.png" onerror="alert(1)">
<div class="content"><p>一、工作情况</p><p>共受理行政复议案件32件。</p><noscript>请启用脚本</noscript>
<object data="http://example.invalid/x.swf">对象</object></div>""" + "<div>" * 5000 + "深" + "</div>" * 5000 + "</body></html>"


def test_html_is_parsed_as_data(nlp, tmp_path, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("HTML parsing must not touch the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    (tmp_path / "page.html").write_text(HOSTILE_PAGE, encoding="utf-8")
    (record,) = records_of(nlp, tmp_path / "page.html")
    assert record["error"] is None
    texts = [s["text"] for s in record["sentences"]]
    assert "一、工作情况" in texts and "共受理行政复议案件32件。" in texts
    for hidden in ("假文字", "框架里的字", "请启用脚本", "对象", "fetch", "background"):
        assert not any(hidden in t for t in texts)


def test_jsonl_with_missing_null_and_malformed_rows_and_duplicate_ids(nlp, tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join([
        '{"doc_id": "a", "text": "共受理案件32件。"}',
        '{"doc_id": "b"}',
        '{"doc_id": "c", "text": null}',
        '{"doc_id": "d", "text": 42}',
        '{"doc_id": "e", "text": "未写完',
        '["not", "an", "object"]',
        '{"doc_id": "a", "text": "人员短缺。"}',
        '{"doc_id": "f", "text": "经费不足。"}',
    ]) + "\n", encoding="utf-8")
    records = records_of(nlp, path)
    assert [(r["doc_id"], r["error"]["code"] if r["error"] else None) for r in records] == [
        ("a", None), ("b", "E032"), ("c", "E032"), ("d", "E032"), ("rows-5", "E031"), ("rows-6", "E031"),
        ("a", None), ("f", None)]
    assert warnings_of(records[6]) == ["W010"] and records[6]["source"] == f"{path}#L7"


def test_csv_with_missing_text_malformed_rows_and_duplicate_ids(nlp, tmp_path):
    path = tmp_path / "rows.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerows([["id", "text"], ["a", "共受理案件32件。"], ["b"], ["c", "甲。", "多余"], ["a", "人员短缺。"],
                          ["d", ""]])
    records = records_of(nlp, path)
    assert [(r["doc_id"], r["error"]["code"] if r["error"] else None) for r in records] == [
        ("a", None), ("rows-1", "E031"), ("rows-2", "E031"), ("a", None), ("d", None)]
    assert warnings_of(records[3]) == ["W010"] and warnings_of(records[4]) == ["W002"]


def test_unreadable_file(nlp, tmp_path, monkeypatch):
    path = tmp_path / "secret.txt"
    path.write_text(DOC, encoding="utf-8")
    path.chmod(0)
    if os.geteuid() == 0:  # root reads anything: make the read fail as it would for a user
        real = Path.read_bytes

        def read_bytes(self):
            if self == path:
                raise PermissionError(13, "Permission denied", str(self))
            return real(self)

        monkeypatch.setattr(Path, "read_bytes", read_bytes)
    (record,) = records_of(nlp, path)
    assert record["error"]["code"] == "E036" and "Permission denied" in record["error"]["message"]


def test_broken_symlinks(nlp, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "gone.txt").symlink_to(tmp_path / "deleted.txt")
    (tmp_path / "in" / "gone.jsonl").symlink_to(tmp_path / "deleted.jsonl")
    records = [process_doc(nlp, d) for d in read_inputs(iter_paths([tmp_path / "in"]))]
    assert [r["error"]["code"] for r in records] == ["E035", "E035"]


def test_a_run_over_every_bad_input_goes_on(cached, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "00-good.txt").write_text(DOC, encoding="utf-8")
    (bad / "01-empty.txt").write_bytes(b"")
    (bad / "02-pdf.txt").write_bytes(PDF)
    (bad / "03-png.txt").write_bytes(png_bytes())
    (bad / "04-zip.txt").write_bytes(zip_bytes())
    (bad / "05-cut.txt").write_bytes(DOC.encode()[:-3])
    (bad / "06-gbk.txt").write_bytes(DOC.encode("gbk"))
    (bad / "07-big5.txt").write_bytes("國務院關於發展國民經濟的報告。\n".encode("big5"))
    (bad / "08-utf16.txt").write_bytes(DOC.encode("utf-16"))
    (bad / "09-page.html").write_text(HOSTILE_PAGE, encoding="utf-8")
    (bad / "10-rows.jsonl").write_text('{"doc_id": "r", "text": null}\n{oops\n{"doc_id": "r", "text": "甲。"}\n', encoding="utf-8")
    (bad / "11-rows.csv").write_text("id,text\nx\ny,乙。\n", encoding="utf-8")
    (bad / "12-link.txt").symlink_to(tmp_path / "nowhere.txt")
    (bad / "13-broken.parquet").write_bytes(b"PAR1 not really")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["run", str(bad), "-o", str(out)])
    assert result.exit_code == 1, result.output
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    sources = [r["source"] for r in records]
    assert len(sources) == len(set(sources)) == 17  # 14 files, the JSONL and CSV with several rows
    assert [(r["error"]["code"] if r["error"] else None, warnings_of(r)) for r in records] == [
        (None, []), (None, ["W002"]), ("E030", []), ("E030", []), ("E030", []), (None, ["W013"]), (None, []),
        (None, []), (None, []), (None, []),
        ("E032", []), ("E031", []), (None, ["W010"]),  # 10-rows.jsonl: null text, malformed, duplicate id
        ("E031", []), (None, []),  # 11-rows.csv: a row without its text field, a good row
        ("E035", []), ("E043", [])]
    assert [r["meta"].get("encoding") for r in records[5:9]] == ["utf-8", "gb18030", "big5", "utf-16"]
    summary = json.loads((tmp_path / "out.summary.json").read_text(encoding="utf-8"))
    assert summary["documents"] == 17 and summary["errors"] == {"E030": 3, "E031": 2, "E032": 1, "E035": 1, "E043": 1}
    assert summary["warnings"] == {"W002": 1, "W010": 1, "W013": 1}
    assert "Errors by code" in result.output


# --------------------------------------------------------------------------- properties

CHINESE = st.text(alphabet=st.sampled_from(list(
    "一二三四五六七八九十百千万亿零〇两年月日件元个次项人万亿%％．.0123456789０１２３４５６７８９"
    "国务院司法局关于报告规定条例办法法治政府建设推进加强问题不足计划将要完成开展共受理"
    "，、。！？；：（）()《》〔〕“”\"' \n\t\u3000abcABC-—…")), max_size=300)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=400))
def test_units_cover_the_text_without_overlap(text):
    units = split_units(text)
    covered = set()
    previous = 0
    for start, end in units:
        assert previous <= start < end <= len(text)
        assert not text[start].isspace() and not text[end - 1].isspace()
        covered.update(range(start, end))
        previous = end
    assert all(i in covered for i, char in enumerate(text) if not char.isspace())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=CHINESE)
def test_pipeline_offsets_hold_for_any_text(nlp, text):
    text = text.replace("\r", "\n")
    record = process_doc(nlp, InputDoc("p", "p", text, meta={}))
    assert record["error"] is None, record["error"]
    check_offsets(record, text)
    for ent in record["entities"]:
        if ent["label"] == "QUANTITY":
            assert ent["value"] is None or isinstance(ent["value"], int | float)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(max_size=30), CHINESE.map(lambda t: t[:30])))
def test_number_normalisation_never_raises(text):
    value = parse_number(text)
    assert value is None or isinstance(value, float)


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("数据，、\n 。a")), max_size=5000), size=st.integers(1000, 3000))
def test_pieces_are_bounded_and_exact(text, size):
    pieces = list(iter_pieces(text, size))
    assert "".join(text[a:b] for a, b in pieces) == text
    assert all(0 < b - a <= size for a, b in pieces)


# --------------------------------------------------------------------------- faults


def test_a_document_that_kills_its_worker_is_retried_once_then_reported():
    docs = [InputDoc(f"d{i}", f"s{i}", "甲" if i != 3 else f"乙{fault_processors.CRASH}") for i in range(8)]
    with WorkerPool(2, processor="fault_processors:crash_on_marker") as pool:
        records = list(pool.imap(docs))
    assert [r["doc_id"] for r in records] == [d.doc_id for d in docs]
    assert records[3]["error"]["code"] == "E038" and "SIGKILL" in records[3]["error"]["message"]
    assert all(r["error"] is None for i, r in enumerate(records) if i != 3)
    assert pool.stats.crashes == 2 and pool.stats.retried == 1


def test_a_document_that_hangs_is_stopped_retried_and_reported():
    docs = [InputDoc("a", "a", "甲"), InputDoc("b", "b", fault_processors.HANG), InputDoc("c", "c", "丙")]
    with WorkerPool(2, processor="fault_processors:hang_on_marker", doc_timeout=1.0) as pool:
        records = list(pool.imap(docs))
    assert [r["error"]["code"] if r["error"] else None for r in records] == [None, "E039", None]
    assert pool.stats.timeouts == 2


def test_workers_that_cannot_load_stop_the_run_with_e042():
    with pytest.raises(WorkerStartError, match="E042.*E014"):
        with WorkerPool(2, processor="fault_processors:fail_to_load") as pool:
            list(pool.imap([InputDoc("a", "a", "甲")]))


def _worker_pids(parent: int) -> list[int]:
    """Worker processes started by ``parent`` (multiprocessing's spawn children)."""
    pids = []
    for task in Path(f"/proc/{parent}/task").iterdir():
        for pid in (task / "children").read_text().split():
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            if b"spawn_main" in cmdline:
                pids.append(int(pid))
    return pids


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="finds the workers through /proc")
def test_killing_a_worker_mid_run_loses_nothing(tmp_path, seed_text):
    inputs = tmp_path / "in"
    inputs.mkdir()
    lines = [line for line in seed_text.splitlines() if len(line) > 30]
    for i in range(24):
        (inputs / f"d{i:02d}.txt").write_text("\n".join(lines[i % len(lines):] + lines[: i % len(lines)]),
                                            encoding="utf-8")
    out = tmp_path / "out.jsonl"
    part = tmp_path / "out.jsonl.part"
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "run", str(inputs), "-o", str(out),
                             "--workers", "2", "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and proc.poll() is None:
        if part.exists() and part.read_bytes().count(b"\n") >= 2:
            break
        time.sleep(0.05)
    workers = _worker_pids(proc.pid)
    assert proc.poll() is None and len(workers) == 2, "the run ended before a worker could be killed"
    os.kill(workers[0], signal.SIGKILL)
    assert proc.wait(240) == 0, proc.stderr.read().decode()
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(r["doc_id"] for r in records) == [f"d{i:02d}" for i in range(24)]  # each exactly once
    assert [r["doc_id"] for r in records] == sorted(r["doc_id"] for r in records)  # in input order
    assert all(r["error"] is None for r in records)
    summary = json.loads((tmp_path / "out.summary.json").read_text(encoding="utf-8"))
    assert summary["pool"]["replaced"] == 1


# --------------------------------------------------------------------------- security

AUDIT = r"""
import json, pickle, sys, traceback
calls = []
def spy(name, real):
    def wrapper(*args, **kwargs):
        source = getattr(args[0], "name", None) if args else None
        calls.append({"call": name, "file": str(source), "caller": traceback.extract_stack(limit=2)[0].filename})
        return real(*args, **kwargs)
    return wrapper
pickle.load = spy("pickle.load", pickle.load)
pickle.loads = spy("pickle.loads", pickle.loads)
class Unpickler(pickle.Unpickler):
    def load(self):
        calls.append({"call": "Unpickler.load", "file": "", "caller": traceback.extract_stack(limit=2)[0].filename})
        return super().load()
pickle.Unpickler = Unpickler
try:
    import joblib
    joblib.load = spy("joblib.load", joblib.load)
except ImportError:
    pass
from pipeline.cli import app
try:
    app(sys.argv[1:], standalone_mode=False)
finally:
    print("AUDIT" + json.dumps(calls))
"""


@pytest.mark.slow
def test_no_pickle_is_loaded_at_run_time_except_spacy_pkusegs_own_dictionary(tmp_path):
    """The run itself unpickles nothing. One known exception is outside this package: spacy_pkuseg
    loads its bundled dicts/default.pkl (a plain word list) when the segmenter is built."""
    (tmp_path / "a.txt").write_text(DOC, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", AUDIT, "run", str(tmp_path / "a.txt"), "-o", str(tmp_path / "o.jsonl"),
                           "--quiet"], capture_output=True, text=True, timeout=300)
    line = next(line for line in proc.stdout.splitlines() if line.startswith("AUDIT"))
    calls = json.loads(line[len("AUDIT"):])
    assert (tmp_path / "o.jsonl").exists(), proc.stderr
    unexpected = [c for c in calls if not (c["file"].endswith("spacy_pkuseg/dicts/default.pkl")
                                            and "spacy_pkuseg" in c["caller"])]
    assert unexpected == []
