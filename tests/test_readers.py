"""Input formats and encodings, on small files generated here."""

import csv
import json

import pytest

from pipeline.decoding import decode_bytes
from pipeline.readers import ReadOptions, iter_paths, read_document, read_inputs

SIMPLIFIED = "一、工作情况\n2022年，共受理行政复议案件32件，办结28件。\n二、存在的问题\n人员短缺。\n"
TRADITIONAL = "一、工作情況\n二零二二年，共受理行政復議案件三十二件。\n國務院關於發展國民經濟的報告。\n"


@pytest.mark.parametrize(("text", "codec", "recorded"), [
    (SIMPLIFIED, "utf-8", "utf-8"),
    (SIMPLIFIED, "utf-8-sig", "utf-8-sig"),
    (SIMPLIFIED, "gb18030", "gb18030"),
    (SIMPLIFIED, "gbk", "gb18030"),
    (SIMPLIFIED, "gb2312", "gb18030"),
    (TRADITIONAL, "big5", "big5"),
    (TRADITIONAL, "cp950", "big5"),
    (SIMPLIFIED, "utf-16", "utf-16"),
    (SIMPLIFIED, "utf-16-le", "utf-16-le"),
    (SIMPLIFIED, "utf-16-be", "utf-16-be"),
])
def test_encodings_are_detected_and_recorded(tmp_path, text, codec, recorded):
    path = tmp_path / "doc.txt"
    path.write_bytes(text.encode(codec))
    doc = read_document(path)
    assert doc.error is None
    assert doc.text == text
    assert doc.meta["encoding"] == recorded


def test_line_ends_are_normalised_and_flagged(tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes(SIMPLIFIED.replace("\n", "\r\n").encode("gbk"))
    doc = read_document(path)
    assert doc.text == SIMPLIFIED and doc.meta["newlines_normalised"] is True
    path.write_bytes(SIMPLIFIED.encode("utf-8"))
    assert read_document(path).meta["newlines_normalised"] is False


def test_mixed_encodings_are_decoded_line_by_line():
    data = "一、工作情况\n".encode() + "人员短缺，经费不足。\n".encode("gbk")
    decoded = decode_bytes(data)
    assert decoded.text == "一、工作情况\n人员短缺，经费不足。\n"
    assert decoded.encoding == "utf-8+gb18030"
    assert [w["code"] for w in decoded.warnings] == ["W016"]


def test_traditional_chinese_is_flagged(tmp_path):
    path = tmp_path / "1954.txt"
    path.write_text(TRADITIONAL * 10, encoding="utf-8")
    doc = read_document(path)
    assert [w["code"] for w in doc.meta["warnings"]] == ["W011"]
    path.write_text(SIMPLIFIED * 10, encoding="utf-8")
    assert "warnings" not in read_document(path).meta


PAGE = """<!DOCTYPE html><html><head><meta charset="gb2312">
<title>关于2022年度法治政府建设情况的报告_潞州区人民政府</title>
<script>document.write("<p>脚本文字</p>")</script><style>p {{ color: red }}</style></head>
<body><div class="nav"><a href="/">首页</a> <a href="/gk">政务公开</a></div>
<div class="breadcrumb">当前位置：<a href="/">首页</a> &gt; <a href="/tz">通知公告</a></div>
<h1>关于2022年度法治政府建设情况的报告</h1>
<div id="zoom"><p>　　一、工作情况</p><p>2022年，共受理行政复议案件32件。</p>
<iframe src="http://example.invalid/frame"></iframe><p>二、存在的
问题</p><p>人员短缺。</p>
<ul class="related"><li><a href="/1">相关文章一</a></li><li><a href="/2">相关文章二</a></li></ul></div>
<div class="footer">版权所有 &copy; 2023 主办单位：某某区人民政府</div></body></html>"""


@pytest.mark.parametrize("suffix", [".html", ".htm"])
def test_html_gives_the_article_body(tmp_path, suffix):
    path = tmp_path / f"page{suffix}"
    path.write_bytes(PAGE.encode("gb18030"))
    doc = read_document(path)
    assert doc.error is None
    assert doc.text == ("关于2022年度法治政府建设情况的报告\n一、工作情况\n2022年，共受理行政复议案件32件。\n"
                        "二、存在的问题\n人员短缺。")
    assert doc.meta["encoding"] == "gb18030" and doc.meta["html_body"] == "div#zoom"


def test_jsonl_rows_with_named_columns(tmp_path):
    path = tmp_path / "reports.jsonl"
    rows = [{"key": "a", "body": SIMPLIFIED}, {"key": 7, "body": "人员短缺。"}]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n\n", encoding="utf-8")
    docs = list(read_inputs([path], ReadOptions(text_column="body", id_column="key")))
    assert [(d.doc_id, d.source, d.text) for d in docs] == [
        ("a", f"{path}#L1", SIMPLIFIED), ("7", f"{path}#L2", "人员短缺。")]
    assert docs[0].meta["encoding"] == "utf-8"


def test_jsonl_default_id_columns_and_fallback(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"doc_id": "x", "text": "甲。"}\n{"id": "y", "text": "乙。"}\n{"text": "丙。"}\n', encoding="utf-8")
    assert [d.doc_id for d in read_inputs([path])] == ["x", "y", "r-3"]


def test_jsonl_in_gbk(tmp_path):
    path = tmp_path / "gbk.jsonl"
    path.write_bytes(json.dumps({"doc_id": "g", "text": SIMPLIFIED}, ensure_ascii=False).encode("gbk") + b"\n")
    (doc,) = read_inputs([path])
    assert doc.text == SIMPLIFIED and doc.meta["encoding"] == "gb18030"


@pytest.mark.parametrize("codec", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_rows(tmp_path, codec):
    path = tmp_path / "reports.csv"
    with open(path, "w", encoding=codec, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["编号", "正文"])
        writer.writerow(["r1", SIMPLIFIED])  # a quoted field with line breaks
        writer.writerow(["r2", "人员短缺。"])
    docs = list(read_inputs([path], ReadOptions(text_column="正文", id_column="编号")))
    assert [(d.doc_id, d.source, d.text) for d in docs] == [
        ("r1", f"{path}#0", SIMPLIFIED), ("r2", f"{path}#1", "人员短缺。")]


def test_csv_without_the_text_column(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("id,body\n1,甲\n", encoding="utf-8")
    (doc,) = read_inputs([path])
    assert doc.error[0] == "E033" and "--text-column" in doc.error[1] and "body" in doc.error[1]


def test_parquet_rows(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "reports.parquet"
    pq.write_table(pa.table({"doc_id": ["p1", "p2", "p3"], "text": [SIMPLIFIED, "人员短缺。", None]}), path)
    docs = list(read_inputs([path]))
    assert [(d.doc_id, d.source, d.text) for d in docs[:2]] == [
        ("p1", f"{path}#0", SIMPLIFIED), ("p2", f"{path}#1", "人员短缺。")]
    assert docs[2].error[0] == "E032"


def test_saved_datasets(tmp_path):
    import datasets

    single = tmp_path / "single"
    datasets.Dataset.from_dict({"id": ["d1", "d2"], "text": [SIMPLIFIED, "甲。"]}).save_to_disk(single)
    splits = tmp_path / "splits"
    datasets.DatasetDict({
        "train": datasets.Dataset.from_dict({"text": ["乙。"]}),
        "test": datasets.Dataset.from_dict({"text": ["丙。"]}),
    }).save_to_disk(splits)
    docs = list(read_inputs(iter_paths([tmp_path])))
    assert [(d.doc_id, d.source, d.text) for d in docs] == [
        ("d1", f"{single}#0", SIMPLIFIED), ("d2", f"{single}#1", "甲。"),  # splits in their saved order
        ("splits-train-0", f"{splits}/train#0", "乙。"), ("splits-test-0", f"{splits}/test#0", "丙。"),
    ]


def test_folders_are_walked_sorted_once_without_hidden_files(tmp_path):
    for name in ("b.txt", "a.html", "sub/c.jsonl", "sub/d.csv", "e.parquet", ".hidden.txt", ".git/f.txt",
                 "notes.md", "out.jsonl"):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("甲。", encoding="utf-8")
    found = list(iter_paths([tmp_path, tmp_path / "b.txt"], exclude=[tmp_path / "out.jsonl"]))
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "a.html", "b.txt", "e.parquet", "sub/c.jsonl", "sub/d.csv"]


def test_missing_input_raises(tmp_path):
    with pytest.raises(FileNotFoundError, match="E009"):
        list(iter_paths([tmp_path / "nope.txt"]))
