import json
import subprocess
import sys

from typer.testing import CliRunner

from pipeline.cli import app

runner = CliRunner()
DOC = "一、工作情况\n2022年,共受理行政复议案件32件。\n二、存在的问题\n人员短缺。\n"


def test_run_writes_the_output_contract(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "b.txt").write_text(DOC, encoding="utf-8")
    (tmp_path / "in" / "a.txt").write_text("\ufeff" + DOC.replace("\n", "\r\n"), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["run", str(tmp_path / "in"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["doc_id"] for r in records] == ["a", "b"]
    rec = records[1]
    assert set(rec) == {"doc_id", "source", "chars", "meta", "sentences", "entities", "error"}
    assert rec["chars"] == len(DOC) and rec["error"] is None
    assert set(rec["meta"]) >= {"title", "issuer", "doc_number", "date"}
    for sent in rec["sentences"]:
        assert DOC[sent["start"]:sent["end"]] == sent["text"]
        assert set(sent) == {"start", "end", "text", "label", "score", "section", "heading"}
    for ent in rec["entities"]:
        assert DOC[ent["start"]:ent["end"]] == ent["text"]
    assert {"text": "32件", "label": "QUANTITY", "value": 32, "unit": "件"}.items() <= next(
        e for e in rec["entities"] if e["label"] == "QUANTITY"
    ).items()
    assert records[0]["meta"]["encoding"] == "utf-8-sig" and records[0]["meta"]["newlines_normalised"]
    assert "Sentence labels" in result.output
    assert json.loads((tmp_path / "out.summary.json").read_text())["documents"] == 2


def test_folder_output_and_failing_document(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(DOC, encoding="utf-8")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\x00\xd8")  # a lone UTF-16 surrogate: undecodable
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(good), str(bad), "-o", str(out), "--quiet"])
    assert result.exit_code == 1
    assert json.loads((out / "good.json").read_text())["error"] is None
    assert json.loads((out / "bad.json").read_text())["error"]["code"] == "E012"


def test_bad_arguments_exit_2(tmp_path):
    result = runner.invoke(app, ["run", str(tmp_path / "missing.txt"), "-o", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 2
    result = runner.invoke(app, ["run", str(tmp_path), "-o", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 2  # no documents
    (tmp_path / "x.txt").write_text(DOC, encoding="utf-8")
    result = runner.invoke(app, ["run", str(tmp_path), "-o", str(tmp_path / "sub" / "o.jsonl")])
    assert result.exit_code == 2 and "E011" in result.output


def test_workers_give_the_same_records(tmp_path):
    for i in range(3):
        (tmp_path / f"d{i}.txt").write_text(DOC * (i + 1), encoding="utf-8")
    outs = []
    for workers in ("1", "2"):
        out = tmp_path.parent / f"{tmp_path.name}-w{workers}.jsonl"
        proc = subprocess.run(
            [sys.executable, "-m", "pipeline.cli", "run", str(tmp_path), "-o", str(out), "--workers", workers, "--quiet"],
            capture_output=True, text=True,
        )
        assert proc.returncode == 0, proc.stderr
        outs.append(out.read_text(encoding="utf-8"))
    assert outs[0] == outs[1]


def test_run_help_names_the_input_formats_and_exit_codes():
    result = runner.invoke(app, ["run", "--help"])
    assert result.exit_code == 0
    for word in (".jsonl", ".csv", ".parquet", "--text-column", "--id-column", "--parquet", "--engine", "--scheduler",
                 "--resume", "130"):
        assert word in result.output


def test_no_progress_bar_off_a_terminal(tmp_path):
    (tmp_path / "a.txt").write_text(DOC, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", str(tmp_path / "a.txt"), "-o",
                           str(tmp_path.parent / f"{tmp_path.name}.jsonl")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "doc/s" not in proc.stderr and "\r" not in proc.stderr
    assert "Sentence labels" in proc.stdout


def test_rows_of_a_jsonl_with_named_columns(tmp_path):
    rows = tmp_path / "rows.jsonl"
    rows.write_text(json.dumps({"key": "k1", "body": DOC}, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(rows), "-o", str(out), "--text-column", "body", "--id-column", "key",
                                 "--quiet"])
    assert result.exit_code == 0, result.output
    record = json.loads((out / "k1.json").read_text(encoding="utf-8"))
    assert record["source"] == f"{rows}#L1" and record["chars"] == len(DOC)
    assert json.loads((out / "summary.json").read_text())["documents"] == 1
