"""The textcat trainer: splits by report, scoring, and an overfit-and-reload run of ``spacy train``."""

from __future__ import annotations

import numpy as np
import pytest
import spacy

from pipeline.labels import ACHIEVEMENT, PLAN, PROBLEM, SENTENCE_LABELS
from pipeline.train import textcat as T
from pipeline.train.weak import WeakUnit

# Pre-tokenised as the pkuseg tokenizer would (roughly); three labels, three little reports.
TINY = [
    ("r1", ["全年", "受理", "行政", "复议", "案件", "32", "件", "。"], ACHIEVEMENT),
    ("r1", ["办结", "信访", "事项", "28", "件", "。"], ACHIEVEMENT),
    ("r1", ["完成", "执法", "检查", "120", "次", "。"], ACHIEVEMENT),
    ("r1", ["累计", "培训", "干部", "3000", "人次", "。"], ACHIEVEMENT),
    ("r2", ["法治", "意识", "有待", "提高", "。"], PROBLEM),
    ("r2", ["执法", "队伍", "力量", "薄弱", "。"], PROBLEM),
    ("r2", ["基层", "工作", "存在", "短板", "。"], PROBLEM),
    ("r3", ["明年", "将", "深化", "改革", "。"], PLAN),
    ("r3", ["下一步", "要", "加强", "监督", "。"], PLAN),
    ("r3", ["力争", "年底", "前", "全面", "完成", "。"], PLAN),
    ("r3", ["继续", "推进", "依法", "行政", "。"], PLAN),
]


def tiny_units() -> list[WeakUnit]:
    return [WeakUnit(doc_id, 0, len("".join(toks)), "".join(toks), label, {}, list(toks))
            for doc_id, toks, label in TINY]


def test_unit_words_drop_spaces_and_split_chars():
    assert T.unit_words(["区", " ", "司法局", "\n"]) == ["区", "司法局"]
    assert T.unit_words(["区", " ", "司法局"], "chars") == ["区", "司", "法", "局"]
    with pytest.raises(ValueError):
        T.unit_words(["x"], "bytes")
    doc = T.unit_doc(spacy.blank("zh").vocab, ["将", "推进"], label=PLAN)
    assert [t.text for t in doc] == ["将", "推进"]
    assert doc.cats == {lab: float(lab == PLAN) for lab in SENTENCE_LABELS}


def test_folds_and_dev_split_whole_reports_and_are_seeded():
    ids = [f"r{i}" for i in range(11)] * 3
    folds = T.report_folds(ids, 5, seed=0)
    assert sorted(i for f in folds for i in f) == sorted(set(ids))
    assert all(f for f in folds) and folds == T.report_folds(reversed(ids), 5, seed=0)
    assert T.report_folds(ids, 5, seed=1) != folds
    dev = T.dev_reports(ids, seed=0, share=0.2)
    assert len(dev) == 2 and set(dev) <= set(ids)


def test_score_labels_macro_over_present_labels():
    s = T.score_labels([PLAN, PLAN, PROBLEM], [PLAN, PROBLEM, PROBLEM])
    assert s["accuracy"] == pytest.approx(2 / 3, abs=1e-4)
    assert s["per_label"][PLAN] == {"precision": 1.0, "recall": 0.5, "f1": pytest.approx(0.6667, abs=1e-4),
                                    "support": 2, "predicted": 1}
    assert s["macro_f1_over"] == [PROBLEM, PLAN]
    assert s["macro_f1"] == pytest.approx(0.6667, abs=1e-4)


@pytest.mark.parametrize("features", ["chars", "tokens"])
def test_overfit_save_reload(tmp_path, features):
    units = tiny_units()
    # Dev = report r1; this only picks the checkpoint. Train on all units so every one is learnt.
    best, _ = T.spacy_train_once(units, units[:4], tmp_path / "run", seed=0, max_steps=60,
                                 overrides={"training.eval_frequency": 20,
                                            "training.optimizer.learn_rate": 0.05,
                                            "training.dropout": 0.0,
                                            "training.before_to_disk.features": features})
    assert "复" not in (best / "vocab" / "strings.json").read_text(encoding="utf-8")
    clf = T.TextcatClassifier.from_disk(best)
    assert clf.features == features
    assert list(clf.classes_) == sorted(SENTENCE_LABELS)
    X = [u.tokens for u in units]
    proba = clf.predict_proba(X)
    assert proba.shape == (len(units), len(SENTENCE_LABELS))
    assert np.allclose(proba.sum(axis=1), 1.0, atol=1e-4)
    assert list(clf.predict(X)) == [u.label for u in units]

    # The artefact: a blank zh pipeline with the textcat only, no training strings.
    saved = tmp_path / "saved"
    clf.nlp.to_disk(saved)
    again = T.TextcatClassifier.from_disk(saved)
    assert np.array_equal(again.predict_proba(X), proba)
    assert again.nlp.pipe_names == ["textcat"]
    assert again.nlp.config["nlp"]["tokenizer"]["segmenter"] == "char"
    assert "复" not in again.nlp.vocab.strings
    if features == "chars":  # the artefact's own character segmenter makes the training words
        doc = again.nlp("".join(units[4].tokens))
        assert max(doc.cats, key=doc.cats.get) == PROBLEM


def test_train_textcat_on_tiny_units_writes_artefact_card_and_metrics(tmp_path):
    units = tiny_units() + [WeakUnit("r4", 0, 1, "x", None)]  # abstentions are dropped
    for u in tiny_units():
        u.doc_id = u.doc_id + "b"
        units.append(u)
    m = T.train_textcat(tmp_path / "textcat", units=units, max_steps=40, folds=2, score_gold=False,
                        overrides={"training.eval_frequency": 20})
    assert m["training_units"] == 2 * len(TINY)
    assert m["heldout_reports"]["units"] == 2 * len(TINY)
    assert (tmp_path / "textcat" / "MODEL_CARD.md").exists()
    assert (tmp_path / "textcat" / "metrics.json").exists()
    assert m["size_bytes"] < 6_000_000


def test_same_seed_same_model(tmp_path):
    units = tiny_units()
    probas = []
    for run in ("a", "b"):
        best, _ = T.spacy_train_once(units, units[:4], tmp_path / run, seed=3, max_steps=20,
                                     overrides={"training.eval_frequency": 10}, repeat={PROBLEM: 2})
        probas.append(T.TextcatClassifier.from_disk(best).predict_proba([u.tokens for u in units]))
    assert np.array_equal(probas[0], probas[1])


def test_oversample_repeats_rare_labels_only():
    units = tiny_units()
    out = T.oversample(units, {PROBLEM: 3})
    assert len(out) == len(units) + 2 * sum(u.label == PROBLEM for u in units)
    assert T.oversample(units, None) == units
