import json

import pytest
from spacy.tokens import DocBin
from spacy.vocab import Vocab

from pipeline.evaluation.scorer import PolicyScorer
from pipeline.gold import load_gold, reference_doc, to_dataset, to_docbin, to_examples
from pipeline.labels import (
    ACHIEVEMENT,
    ENTITY_LABELS,
    LAW,
    ORG,
    PROBLEM,
    QUANTITY,
    SENTENCE_LABELS,
    UNITS_KEY,
)

DOC = "一、2022年工作情况\n2022年,共受理行政复议案件32件,办结28件。区司法局落实《宪法》宣传。\n二、存在的问题\n人员短缺。\n"
UNITS = [
    ("一、2022年工作情况", ACHIEVEMENT, []),
    ("2022年,共受理行政复议案件32件,办结28件。", ACHIEVEMENT, [("32件", QUANTITY), ("28件", QUANTITY)]),
    ("区司法局落实《宪法》宣传。", ACHIEVEMENT, [("区司法局", ORG), ("宪法", LAW)]),
    ("二、存在的问题", PROBLEM, []),
    ("人员短缺。", PROBLEM, []),
]


def gold_records(doc_id: str, text: str, units) -> list[dict]:
    """Gold lines for ``units`` given as (unit text, label, [(entity text, label)]), found in order."""
    records, pos = [], 0
    for unit_text, label, ents in units:
        start = text.index(unit_text, pos)
        pos = start + len(unit_text)
        entities, ent_pos = [], start
        for ent_text, ent_label in ents:
            e_start = text.index(ent_text, ent_pos)
            ent_pos = e_start + len(ent_text)
            entities.append({"start": e_start, "end": ent_pos, "label": ent_label, "text": ent_text})
        records.append({"doc_id": doc_id, "start": start, "end": pos, "text": unit_text, "label": label,
                        "entities": entities})
    return records


def make_corpus(root, doc_id="demo", text=DOC, units=UNITS, records=None):
    """``root/raw/<doc_id>.txt`` and ``root/gold/<doc_id>.jsonl``; returns the gold folder."""
    (root / "raw").mkdir(parents=True, exist_ok=True)
    (root / "gold").mkdir(exist_ok=True)
    (root / "raw" / f"{doc_id}.txt").write_text(text, encoding="utf-8")
    records = gold_records(doc_id, text, units) if records is None else records
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    (root / "gold" / f"{doc_id}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root / "gold"


def test_load_gold_reads_units_and_entities(tmp_path):
    gold = make_corpus(tmp_path)
    (gold / "JUDGEMENTS.md").write_text("notes", encoding="utf-8")  # not a gold file
    (gold / "segmentation").mkdir()
    [doc] = load_gold(gold)
    assert doc.doc_id == "demo" and doc.text == DOC
    assert [(u.text, u.label) for u in doc.units] == [(t, label) for t, label, _ in UNITS]
    assert [(e.text, e.label) for e in doc.entities] == [e for _, _, ents in UNITS for e in ents]
    for unit in doc.units:
        assert DOC[unit.start:unit.end] == unit.text
        for ent in unit.entities:
            assert DOC[ent.start:ent.end] == ent.text


def test_more_reports_are_more_files(tmp_path):
    make_corpus(tmp_path, "b-report")
    make_corpus(tmp_path, "a-report", text="人员短缺。", units=[("人员短缺。", PROBLEM, [])])
    assert [d.doc_id for d in load_gold(tmp_path / "gold")] == ["a-report", "b-report"]


def _broken(change):
    records = gold_records("demo", DOC, UNITS)
    change(records)
    return records


@pytest.mark.parametrize(
    "change, line, reason",
    [
        (lambda r: r[1].update(text="改过的文字"), 2, "differs from the raw text"),
        (lambda r: r[0].update(label="duty"), 1, "E006"),
        (lambda r: r[1]["entities"][0].update(label="MONEY"), 2, "E007"),
        (lambda r: r[2].update(start=r[1]["start"], text=DOC[r[1]["start"]:r[2]["end"]]), 3, "before the end"),
        (lambda r: r[1]["entities"].append(dict(r[2]["entities"][0])), 2, "leaves the unit"),
        (lambda r: r[0].update(doc_id="other"), 1, "file name"),
        (lambda r: r[0].pop("entities"), 1, "missing field"),
        (lambda r: r.__setitem__(3, "{not json"), 4, "not JSON"),
    ],
)
def test_invalid_records_name_file_and_line(tmp_path, change, line, reason):
    gold = make_corpus(tmp_path, records=_broken(change))
    with pytest.raises(ValueError, match="E021") as err:
        load_gold(gold)
    assert f"line {line}:" in str(err.value) and reason in str(err.value)


def test_missing_gold_or_raw_text(tmp_path):
    (tmp_path / "gold").mkdir()
    with pytest.raises(FileNotFoundError, match="E020"):
        load_gold(tmp_path / "gold")
    gold = make_corpus(tmp_path)
    (tmp_path / "raw" / "demo.txt").unlink()
    with pytest.raises(FileNotFoundError, match="E022"):
        load_gold(gold)
    assert load_gold(gold, raw_dir=_raw_elsewhere(tmp_path))[0].text == DOC


def _raw_elsewhere(tmp_path):
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "demo.txt").write_text(DOC, encoding="utf-8")
    return other


def test_dataset_has_one_row_per_unit(tmp_path):
    docs = load_gold(make_corpus(tmp_path))
    ds = to_dataset(docs)
    assert len(ds) == len(UNITS)
    assert set(ds.column_names) == {"doc_id", "start", "end", "text", "label", "entities"}
    labels = ds.features["label"]
    assert labels.names == list(SENTENCE_LABELS)
    assert [labels.int2str(v) for v in ds["label"]] == [label for _, label, _ in UNITS]
    row = ds[1]
    assert row["text"] == UNITS[1][0] and DOC[row["start"]:row["end"]] == row["text"]
    assert [(e["text"], ENTITY_LABELS[e["label"]]) for e in row["entities"]] == UNITS[1][2]  # ClassLabel ids


def test_reference_doc_and_docbin_keep_units_and_entities(tmp_path):
    [doc] = load_gold(make_corpus(tmp_path))
    ref = reference_doc(Vocab(), doc)
    assert ref.text == DOC
    units = [(s.start_char, s.end_char, s.label_) for s in ref.spans[UNITS_KEY]]
    assert units == [(u.start, u.end, u.label) for u in doc.units]
    assert [s.text.strip() for s in ref.sents] == [u.text for u in doc.units]
    assert [(e.text, e.label_) for e in ref.ents] == [(e.text, e.label) for e in doc.entities]

    data = to_docbin([doc]).to_bytes()
    [back] = DocBin().from_bytes(data).get_docs(Vocab())
    assert [(s.start_char, s.end_char, s.label_) for s in back.spans[UNITS_KEY]] == units
    assert [(e.start_char, e.end_char, e.label_) for e in back.ents] == [(e.start_char, e.end_char, e.label_) for e in ref.ents]
    assert back.user_data["doc_id"] == "demo"


def test_examples_feed_nlp_evaluate(nlp, tmp_path):
    docs = load_gold(make_corpus(tmp_path))
    examples = to_examples(nlp, docs)
    assert len(examples) == 1 and examples[0].predicted.text == DOC
    scores = nlp.evaluate(examples, scorer=PolicyScorer(nlp))
    assert scores["units_n"] == len(UNITS)
    assert 0 <= scores["units_acc"] <= 1 and 0 <= scores["units_macro_f"] <= 1
    assert set(scores["units_per_label"]) == set(SENTENCE_LABELS)
    assert scores["units_boundary_r"] == 1.0  # the pipeline's units are the guideline's
    assert {"ents_p", "ents_r", "ents_f", "ents_overlap_f", "ents_per_type"} <= set(scores)

    alone = to_examples(nlp, docs, context_free=True)
    assert [eg.reference.text for eg in alone] == [u.text for u in docs[0].units]
    assert [eg.reference.user_data["offset"] for eg in alone] == [u.start for u in docs[0].units]
    assert nlp.evaluate(alone, scorer=PolicyScorer(nlp))["units_n"] == len(UNITS)


@pytest.mark.parametrize(
    "name, doc_ids",
    [("workreports", ["prov2026-河北省", "prov2026-西藏自治区"]), ("checkreports", ["prov2026-江苏省", "prov2026-河南省"]),
     ("heldout", ["prov2026-山东省", "prov2026-辽宁省"]), ("heldout2", ["prov2026-天津市", "prov2026-陕西省"]),
     ("heldout3", ["prov2026-湖南省", "prov2026-黑龙江省"]), ("heldout4", ["prov2026-云南省", "prov2026-江西省"]),
     ("heldout5", ["prov2026-广西壮族自治区", "prov2026-青海省"]),
     ("heldout6", ["prov2026-内蒙古自治区", "prov2026-北京市"]),
     ("heldout7", ["prov2026-上海市", "prov2026-新疆维吾尔自治区", "statecouncil-2024"]),
     ("heldout8", ["prov2026-安徽省", "prov2026-重庆市", "statecouncil-1997", "statecouncil-2021"]),
     ("heldout9", ["prov2026-宁夏回族自治区", "statecouncil-2009", "statecouncil-2016"]),
     ("heldout10", ["prov2026-广东省", "prov2026-海南省", "statecouncil-1992"])],
)
def test_the_committed_work_report_sets_are_valid(name, doc_ids):
    """corpus/dev/{workreports,checkreports,heldout,…,heldout10}: every record checks out against its raw text
    (load_gold validates offsets, texts, labels, order and coverage)."""
    from pathlib import Path

    folder = Path(__file__).resolve().parent.parent / "corpus" / "dev" / name
    docs = load_gold(folder / "gold", folder / "raw")
    assert sorted(d.doc_id for d in docs) == doc_ids
    for doc in docs:
        assert len(doc.units) > 200
        assert {u.label for u in doc.units} <= set(SENTENCE_LABELS)
