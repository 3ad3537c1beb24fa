import json
from pathlib import Path

import pytest
import spacy
from spacy.training import Example
from spacy.vocab import Vocab
from test_gold import make_corpus
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.evaluation.alignment import align_units, match_overlapping
from pipeline.evaluation.baselines import (
    constant_labeller,
    jieba_entity_doc,
    majority_label,
    relabelled,
    section_only_examples,
    section_only_tagger,
)
from pipeline.evaluation.metrics import NO_LABEL, classification_scores
from pipeline.evaluation.report import write_report
from pipeline.evaluation.runner import run_evaluation
from pipeline.evaluation.scorer import score_entities, score_units
from pipeline.evaluation.segmentation import (
    DEV_CORPUS,
    POLICY_CORPUS,
    default_dev_dir,
    dev_corpus,
    evaluate_segmentation,
    read_segmented,
    score_segmenter,
    sighan_corpora,
)
from pipeline.gold import char_doc
from pipeline.labels import (
    ACHIEVEMENT,
    LAW,
    ORG,
    OTHER,
    PLAN,
    PROBLEM,
    QUANTITY,
    RESPONSIBILITY,
    SENTENCE_LABELS,
    UNITS_KEY,
)

A, B, C = RESPONSIBILITY, ACHIEVEMENT, PROBLEM


# --- alignment ----------------------------------------------------------------------------


def test_each_gold_unit_takes_the_predicted_unit_it_shares_most_with():
    # predicted merged two gold units
    assert align_units([(0, 4), (5, 9)], [(0, 9)]) == [0, 0]
    # predicted split one gold unit: the larger piece wins
    assert align_units([(0, 10)], [(0, 3), (3, 10)]) == [1]
    # a tie goes to the first; a gold unit nothing touches gets None
    assert align_units([(0, 4), (6, 8)], [(0, 2), (2, 4), (9, 12)]) == [0, None]
    # shifted boundaries, gaps of whitespace between units
    assert align_units([(0, 5), (6, 12), (13, 15)], [(0, 7), (8, 15)]) == [0, 1, 1]


def test_overlap_matching_is_one_to_one_largest_first():
    assert match_overlapping([(0, 5)], [(0, 2), (2, 5)]) == [(0, 1)]
    assert match_overlapping([(0, 2), (2, 6)], [(1, 6)]) == [(1, 0)]
    assert match_overlapping([(0, 2)], [(3, 5)]) == []


# --- metric arithmetic --------------------------------------------------------------------


def test_classification_scores_on_a_hand_made_case():
    scores = classification_scores([A, A, B, C], [A, B, B, None], SENTENCE_LABELS)
    per = scores["per_label"]
    assert (per[A]["p"], per[A]["r"], per[A]["support"]) == (1.0, 0.5, 2)
    assert per[A]["f"] == pytest.approx(2 / 3)
    assert (per[B]["p"], per[B]["r"]) == (0.5, 1.0)
    assert per[C]["f"] == 0.0 and per[C]["support"] == 1
    assert scores["accuracy"] == 0.5
    # labels in neither gold nor predictions (plan, other) stay out of the average
    assert scores["macro_f"] == pytest.approx((2 / 3 + 2 / 3 + 0) / 3)
    confusion = scores["confusion"]
    assert confusion["columns"] == [*SENTENCE_LABELS, NO_LABEL]
    assert confusion["matrix"][0] == [1, 1, 0, 0, 0, 0]
    assert confusion["matrix"][2] == [0, 0, 0, 0, 0, 1]


def _doc(vocab, text, units=(), ents=()):
    """A character-token doc with labelled units and entities, given as (start, end, label)."""
    doc = char_doc(vocab, text)
    doc.spans[UNITS_KEY] = [doc.char_span(a, b, label=label) for a, b, label in units]
    doc.ents = [doc.char_span(a, b, label=label) for a, b, label in ents]
    return doc


def test_units_are_scored_when_boundaries_differ():
    vocab = Vocab()
    text = "甲乙。丙丁。戊。"
    gold = _doc(vocab, text, [(0, 3, PLAN), (3, 6, ACHIEVEMENT), (6, 8, OTHER)])
    pred = _doc(vocab, text, [(0, 6, PLAN), (6, 8, OTHER)])  # the first two merged
    scores = score_units([Example(pred, gold)])
    assert scores["units_n"] == 3
    assert scores["units_acc"] == pytest.approx(2 / 3)
    assert (scores["units_boundary_p"], scores["units_boundary_r"]) == (1.0, pytest.approx(2 / 3))
    assert (scores["units_exact_p"], scores["units_exact_r"]) == (0.5, pytest.approx(1 / 3))
    [error] = scores["units_errors"]
    assert (error["text"], error["gold"], error["pred"], error["pred_text"]) == ("丙丁。", ACHIEVEMENT, PLAN, "甲乙。丙丁。")


def test_a_pipeline_without_labels_is_refused():
    vocab = Vocab()
    gold = _doc(vocab, "甲。", [(0, 2, PLAN)])
    with pytest.raises(ValueError, match="E023"):
        score_units([Example(char_doc(vocab, "甲。"), gold)])


def test_entities_exact_and_overlap():
    vocab = Vocab()
    text = "受理案件32件,区司法局牵头。"
    gold = _doc(vocab, text, ents=[(4, 7, QUANTITY), (8, 12, ORG)])
    pred = _doc(vocab, text, ents=[(4, 6, QUANTITY), (8, 12, ORG), (12, 14, LAW)])
    scores = score_entities([Example(pred, gold)])
    assert (scores["ents_p"], scores["ents_r"]) == (pytest.approx(1 / 3), 0.5)
    assert (scores["ents_overlap_p"], scores["ents_overlap_r"]) == (pytest.approx(2 / 3), 1.0)
    assert scores["ents_per_type"][QUANTITY]["f"] == 0.0
    assert scores["ents_overlap_per_type"][QUANTITY]["f"] == 1.0
    assert scores["ents_support"] == {ORG: 1, LAW: 0, QUANTITY: 1}
    assert [(m["text"], m["pred"]) for m in scores["ents_misses"]] == [("32件", ["QUANTITY 32"])]
    assert [(f["text"], f["gold"]) for f in scores["ents_false_alarms"]] == [("32", ["QUANTITY 32件"]), ("牵头", [])]


# --- segmentation -------------------------------------------------------------------------


def test_segmentation_scores_word_spans():
    scores = score_segmenter(lambda text: ["依法", "治国"], [["依法", "治", "国"]])
    assert (scores["p"], scores["r"]) == (0.5, pytest.approx(1 / 3))
    assert scores["f"] == pytest.approx(0.4)
    assert dict(scores["missed"]) == {"治": 1, "国": 1}
    with pytest.raises(ValueError, match="changed the text"):
        score_segmenter(lambda text: ["依法"], [["依法", "治国"]])


def test_segmentation_corpora_slices_and_absence(tmp_path):
    (tmp_path / "pku_test_gold.utf8").write_text("共同  创造\n\n美好  的\n新  世纪\n", encoding="utf-8")
    assert read_segmented(tmp_path / "pku_test_gold.utf8", 3) == [["共同", "创造"], ["美好", "的"]]
    [pku] = sighan_corpora(tmp_path, 0)
    assert pku.name == "pku" and pku.words == 6 and pku.lines is None
    assert sighan_corpora(tmp_path / "absent", 500) == []


def test_segmentation_scores_dev_and_test_side_by_side(nlp, tmp_path):
    gold = tmp_path / "corpus" / "gold"
    (gold / "segmentation").mkdir(parents=True)
    (gold / "segmentation" / "seed.seg.txt").write_text("人员 短缺 。\n", encoding="utf-8")
    assert default_dev_dir(gold) == tmp_path / "corpus" / "dev" / "segmentation"
    metrics = evaluate_segmentation(nlp, gold, None)
    assert set(metrics["corpora"]) == {POLICY_CORPUS}
    assert any(s.startswith(DEV_CORPUS) for s in metrics["skipped"])
    default_dev_dir(gold).mkdir(parents=True)
    (default_dev_dir(gold) / "other.seg.txt").write_text("推进 行政 执法 。\n\n省委 决策 。\n", encoding="utf-8")
    metrics = evaluate_segmentation(nlp, gold, None)
    assert list(metrics["corpora"]) == [POLICY_CORPUS, DEV_CORPUS]
    dev = metrics["corpora"][DEV_CORPUS]
    assert (dev["sentences"], dev["words"]) == (2, 7)
    assert set(dev["scores"]) == {"pkuseg", "pkuseg+policy_dict", "pipeline", "jieba"}
    elsewhere = evaluate_segmentation(nlp, gold, None, dev_dir=tmp_path / "absent")
    assert set(elsewhere["corpora"]) == {POLICY_CORPUS}


def test_bundled_dev_set_is_not_the_test_report():
    """The dev set (corpus/dev/segmentation) holds other reports' sentences, none of the seed's."""
    root = Path(__file__).resolve().parents[1]
    dev = dev_corpus(root / "corpus" / "dev" / "segmentation")
    assert dev is not None and 30 <= len(dev.sentences) <= 40
    assert not any("luzhou" in source for source in dev.sources)
    seed = (root / "corpus" / "raw" / "luzhou-2022.txt").read_text(encoding="utf-8")
    assert not any("".join(words) in seed for words in dev.sentences)


# --- baselines ----------------------------------------------------------------------------


def test_majority_baseline(nlp):
    vocab = nlp.vocab
    text = "甲。乙。丙。"
    gold = _doc(vocab, text, [(0, 2, PLAN), (2, 4, PLAN), (4, 6, OTHER)])
    examples = [Example(nlp(text), gold)]
    assert majority_label(examples) == PLAN
    relabel = relabelled(examples, constant_labeller(PLAN))
    assert score_units(relabel)["units_acc"] == pytest.approx(2 / 3)
    assert examples[0].predicted is not relabel[0].predicted


def test_section_only_baseline_uses_headings_alone(nlp):
    text = "一、2022年工作情况\n下一步将继续努力。\n二、存在的问题\n全年办结案件28件。\n"
    [example] = section_only_examples(nlp, [Example(nlp(text), char_doc(nlp.vocab, text))])
    got = {s.text: s._.label for s in example.predicted.spans[UNITS_KEY]}
    assert got == {
        "一、2022年工作情况": ACHIEVEMENT,
        "下一步将继续努力。": ACHIEVEMENT,  # the cue 下一步 is ignored
        "二、存在的问题": PROBLEM,
        "全年办结案件28件。": PROBLEM,
    }
    no_heading = section_only_tagger(nlp)(nlp("开展培训。"))
    assert no_heading.spans[UNITS_KEY][0]._.label == OTHER
    # the pipeline's own tagger is untouched
    doc = nlp("二、存在的问题\n下一步将继续努力。\n")
    assert doc.spans[UNITS_KEY][1]._.label == PLAN


def test_jieba_entities():
    doc = jieba_entity_doc(Vocab(), "认真落实《法治政府建设实施纲要》,受理案件32件。")
    found = {(e.text, e.label_) for e in doc.ents}
    assert ("法治政府建设实施纲要", LAW) in found
    assert any(label == QUANTITY and "32" in text for text, label in found)


# --- the whole run ------------------------------------------------------------------------


def test_run_and_report(nlp, tmp_path):
    gold = make_corpus(tmp_path / "corpus")
    (gold / "segmentation").mkdir()
    (gold / "segmentation" / "demo.seg.txt").write_text("人员  短缺  。\n", encoding="utf-8")
    seg_dir = tmp_path / "sighan"
    seg_dir.mkdir()
    (seg_dir / "pku_test_gold.utf8").write_text("共同  创造\n美好  的  新  世纪\n不  计\n", encoding="utf-8")
    metrics = run_evaluation(gold, nlp=nlp, seg_dir=seg_dir, seg_lines=2)
    assert metrics["meta"]["units"] == 5 and metrics["meta"]["documents"] == 1
    sentences = metrics["sentences"]
    assert set(sentences["baselines"]) == {"majority", "section_only"}
    assert sentences["document"]["n"] == sentences["context_free"]["n"] == 5
    assert sentences["baselines"]["majority"]["acc"] == pytest.approx(3 / 5)  # 3 achievement, 2 problem
    assert "jieba_posseg" in metrics["entities"]["baselines"]
    seg = metrics["segmentation"]
    assert set(seg["corpora"]) == {"policy", "pku"} and seg["corpora"]["pku"]["sentences"] == 2
    assert set(seg["corpora"]["pku"]["scores"]) == {"pkuseg", "pkuseg+policy_dict", "pipeline", "jieba"}
    assert any(s.startswith("msr") for s in seg["skipped"])

    out = tmp_path / "report"
    readme = write_report(metrics, out)
    assert json.loads((out / "metrics.json").read_text(encoding="utf-8"))["meta"]["units"] == 5
    text = readme.read_text(encoding="utf-8")
    assert "Confusion matrix, document mode" in text and "## Segmentation" in text
    for image in ("confusion_document.png", "confusion_context_free.png", "sentence_f1.png", "entity_f1.png",
                  "segmentation_f1.png"):
        assert (out / image).read_bytes().startswith(b"\x89PNG")
        assert f"({image})" in text


def test_cli_evaluates_a_saved_pipeline(nlp, tmp_path):
    gold = make_corpus(tmp_path / "corpus")
    nlp.to_disk(tmp_path / "model")
    out = tmp_path / "eval"
    runner = CliRunner()
    result = runner.invoke(app, ["evaluate", "--gold", str(gold), "--model", str(tmp_path / "model"),
                                 "-o", str(out), "--seg-corpora", str(tmp_path / "absent")])
    assert result.exit_code == 0, result.output
    assert "macro-F1" in result.output and "skipped pku" in result.output
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["meta"]["model"] == str(tmp_path / "model")
    assert metrics["segmentation"]["corpora"] == {}

    (gold / "demo.jsonl").write_text('{"doc_id": "demo"}\n', encoding="utf-8")
    result = runner.invoke(app, ["evaluate", "--gold", str(gold), "-o", str(out)])
    assert result.exit_code == 2 and "E021" in result.output


def test_run_refuses_a_pipeline_without_units(tmp_path):
    with pytest.raises(ValueError, match="E023"):
        run_evaluation(make_corpus(tmp_path), nlp=spacy.blank("zh"))

