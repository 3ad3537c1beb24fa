"""The scikit-learn sentence classifier: overfit-and-reload, skops round trip and allowlist,
labelling functions on inline examples, and the tagger's pooling with the classifier."""

from __future__ import annotations

import re

import numpy as np
import pytest
import skops.io as sio
from sklearn.utils import murmurhash3_32 as sklearn_murmurhash3_32
from test_gold import make_corpus

from pipeline.data_files import pattern_search
from pipeline.errors import Errors
from pipeline.persistence import load_model, save_model
from pipeline.sklearn_classifier import (
    SentenceClassifier,
    _hasher,
    char_counts,
    char_ngrams,
    murmurhash3_32,
    word_counts,
    word_ngrams,
)
from pipeline.train.sentence import (
    _gold_cv_section,
    fit_classifier,
    gold_cross_validate,
    gold_units,
    trainable,
)
from pipeline.train.weak import GOLD_TRAINING_FOLDERS, LabellingFunctions, WeakUnit

TRAIN = [
    (["全年", "受理", "案件", "120", "件", "。"], "achievement"),
    (["办结", "复议", "案件", "35", "件", "。"], "achievement"),
    (["完成", "培训", "2000", "人次", "。"], "achievement"),
    (["明年", "将", "继续", "加强", "执法", "监督", "。"], "plan"),
    (["下一步", "要", "推进", "法治", "宣传", "。"], "plan"),
    (["力争", "年底", "前", "建成", "平台", "。"], "plan"),
    (["执法", "人员", "素质", "还", "有待", "提高", "。"], "problem"),
    (["基层", "力量", "仍", "显", "薄弱", "。"], "problem"),
    (["存在", "一些", "问题", "和", "不足", "。"], "problem"),
]
SMALL = {"C": 50.0, "word_features": 2**10, "char_features": 2**12, "cues": {"plan": [["将", 1.0]]}}


class Untrusted:
    """Any class a model file should not be able to bring along."""


def fitted() -> SentenceClassifier:
    return SentenceClassifier(**SMALL).fit([t for t, _ in TRAIN], [y for _, y in TRAIN])


def test_ngrams_fold_digits_and_mark_ends():
    assert word_ngrams(["受理", "120", "件"]) == ["受理", "0", "件", "受理 0", "0 件"]
    grams = char_ngrams(["办结", "35"])
    assert "^办" in grams and "0$" in grams and "^" not in grams


# Units the array path must hash exactly like the n-gram strings: digits, markers inside the text,
# an empty unit, multi-byte UTF-8 of every length, long tokens and a token with a space.
HASH_CASES = [t for t, _ in TRAIN] + [
    [], ["^"], ["$"], ["^$"], ["价格", "^", "$", "上涨"], ["a^$b", "$^"], ["１２３．５", "3.14", "第0.5"],
    ["😀😀😀", "é", "ß", "中文", "x"], ["长" * 40, "https://" + "a" * 37], ["ab c", "改革"],
]


@pytest.mark.parametrize("n_features", [2**10, 2**17, 7])
def test_array_hashing_matches_hashing_vectorizer(n_features):
    for counts, analyzer in ((word_counts, word_ngrams), (char_counts, char_ngrams)):
        expected = _hasher(analyzer, n_features).transform(HASH_CASES)
        got = counts(HASH_CASES, n_features)
        assert got.has_canonical_format and got.dtype == expected.dtype and got.shape == expected.shape
        np.testing.assert_array_equal(got.indptr, expected.indptr)
        np.testing.assert_array_equal(got.indices, expected.indices)
        np.testing.assert_array_equal(got.data, expected.data)
    assert word_counts([[]], 16).nnz == 0 and char_counts([[]], 16).nnz == 0


def test_murmurhash_matches_sklearn():
    grams = ["", "a", "ab", "abc", "abcd", "改", "改革开", "改革开放", "😀", "é中😀a", "x" * 41]
    buf = "".join(grams).encode("utf-8")
    lengths = np.array([len(g.encode("utf-8")) for g in grams])
    starts = np.cumsum(lengths) - lengths
    expected = [sklearn_murmurhash3_32(g, seed=0) for g in grams]
    assert murmurhash3_32(buf, starts, lengths).tolist() == expected


def test_pattern_search_is_shared_and_exact():
    patterns = ["继续|持续", "^我们", "问题$", "(?:^|[，,])(?:要|将)"]
    search = pattern_search(patterns)
    assert pattern_search(reversed(patterns)) is search
    for text in ["我们将继续推进，要加强。", "存在的问题", "", "我们", "要"]:
        expected = {p for p in patterns if re.search(p, text)}
        assert {p for p, hit in zip(search.patterns, search(text), strict=True) if hit} == expected
        assert search(text) == search(text)
    texts = ["要加强。", "问题", "要加强。", "新的一句"]
    assert search.many(texts) == [search(text) for text in texts]
    assert pattern_search([]).many(texts) == [()] * 4


def test_init_stores_params_only():
    model = SentenceClassifier(C=2.0)
    assert model.get_params()["C"] == 2.0
    assert not [name for name in vars(model) if name.endswith("_")]


def test_overfits_and_reloads_identically(tmp_path):
    model = fitted()
    X = [t for t, _ in TRAIN]
    assert list(model.predict(X)) == [y for _, y in TRAIN]
    save_model(model, tmp_path / "model.skops")
    again = load_model(tmp_path / "model.skops")
    np.testing.assert_allclose(again.predict_proba(X), model.predict_proba(X), rtol=0, atol=1e-7)
    assert list(again.classes_) == list(model.classes_)


def test_saved_model_is_small_and_has_no_vocabulary(tmp_path):
    model = SentenceClassifier(word_features=2**12, char_features=2**12).fit(
        [t for t, _ in TRAIN] * 5, [y for _, y in TRAIN] * 5
    )
    save_model(model, tmp_path / "model.skops")
    assert (tmp_path / "model.skops").stat().st_size < 100_000


def test_top_features_name_hashed_features():
    model = fitted()
    top = model.top_features([t for t, _ in TRAIN], n=40)
    assert set(top) == {"achievement", "plan", "problem"}
    assert "将" in top["plan"] or "char:将" in top["plan"]


def test_load_refuses_types_outside_the_allowlist(tmp_path):
    sio.dump(Untrusted(), tmp_path / "other.skops")
    with pytest.raises(ValueError, match="allowlist") as err:
        load_model(tmp_path / "other.skops")
    assert Errors.E016.split("{")[0] in str(err.value)


def test_trainable_drops_rare_labels():
    units = [WeakUnit("d", 0, 1, "x", "plan")] * 3 + [WeakUnit("d", 0, 1, "y", "other"), WeakUnit("d", 0, 1, "z", None)]
    assert {u.label for u in trainable(units, min_label_units=2)} == {"plan"}


@pytest.fixture(scope="module")
def lfs():
    return LabellingFunctions()


def weak_labels(nlp, lfs, text: str) -> list[tuple[str, str | None]]:
    doc = nlp.get_pipe("policy_structure")(nlp.make_doc(text))
    return [(u.text, u.label) for u in lfs.label_doc(doc, "t")]


def test_lf_section_headings_vote(nlp, lfs):
    labels = dict(weak_labels(nlp, lfs, "一、过去一年工作回顾\n全年新建学校10所。\n二、2024年工作安排\n扩大有效投资。"))
    assert labels["全年新建学校10所。"] == "achievement"
    assert labels["扩大有效投资。"] == "plan"


def test_lf_problem_paragraph_and_closing_pledge(nlp, lfs):
    text = "一、过去一年工作回顾\n新建学校10所。同时也要看到，经济恢复基础不牢。部分企业经营困难。我们将直面问题，切实加以解决。"
    labels = dict(weak_labels(nlp, lfs, text))
    assert labels["同时也要看到，经济恢复基础不牢。"] == "problem"
    assert labels["部分企业经营困难。"] == "problem"
    assert labels["我们将直面问题，切实加以解决。"] == "plan"
    assert labels["新建学校10所。"] == "achievement"


def test_lf_patterns_and_abstention(nlp, lfs):
    labels = dict(weak_labels(nlp, lfs, "各位代表：\n请予审议。\n天气晴朗。"))
    assert labels["各位代表："] == "other"
    assert labels["请予审议。"] == "other"
    assert labels["天气晴朗。"] is None


def test_lf_rhetoric_of_confidence_and_verse_is_other(nlp, lfs):
    text = "千淘万漉虽辛苦，吹尽狂沙始到金。\n只要我们团结奋斗，就一定能创造新的业绩！\n推进产学研结合，培育创新型企业。"
    labels = dict(weak_labels(nlp, lfs, text))
    assert labels["千淘万漉虽辛苦，吹尽狂沙始到金。"] == "other"
    assert labels["只要我们团结奋斗，就一定能创造新的业绩！"] == "other"
    assert labels["推进产学研结合，培育创新型企业。"] != "other"


def test_resolve_majority_and_narrow_margin(lfs):
    assert lfs.resolve({"section": "plan", "pattern": "plan"}) == "plan"
    assert lfs.resolve({"section": "achievement", "problem_paragraph": "problem"}) == "problem"
    assert lfs.resolve({"section": "achievement", "pattern": "plan"}) == "plan"
    assert lfs.resolve({"pattern": "plan", "pattern_problem": "problem"}) is None
    assert lfs.resolve({}) is None


def test_lf_problem_paragraph_ends_at_a_task_sentence(nlp, lfs):
    text = "一、过去一年工作回顾\n新建学校10所。同时也要看到，财政仍然比较困难。各级政府都要努力增加收入。"
    labels = dict(weak_labels(nlp, lfs, text))
    assert labels["同时也要看到，财政仍然比较困难。"] == "problem"
    assert labels["各级政府都要努力增加收入。"] == "achievement"  # the section's vote alone


def test_lf_problem_paragraph_is_bounded(nlp, lfs):
    gaps = "".join(f"第{i}项差距较大。" for i in range(lfs.max_problem_units + 5))
    votes = [u.votes for u in lfs.label_doc(nlp.get_pipe("policy_structure")(nlp.make_doc("困难和问题是：" + gaps)), "t")]
    assert sum("problem_paragraph" in v for v in votes) == lfs.max_problem_units


def test_annotated_reports_are_never_training_data(tmp_path):
    from pipeline.train.weak import annotated_doc_ids, iter_reports

    for folder, doc_id in [("gold", "seed"), ("dev/workreports/gold", "prov-a")]:
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / f"{doc_id}.jsonl").write_text("", encoding="utf-8")
    reports = tmp_path / "reports.jsonl"
    reports.write_text("".join(f'{{"doc_id": "{d}", "text": "。"}}\n' for d in ["seed", "prov-a", "prov-b"]),
                       encoding="utf-8")
    assert annotated_doc_ids(tmp_path) == {"seed", "prov-a"}
    assert [r["doc_id"] for r in iter_reports([reports], annotated_doc_ids(tmp_path))] == ["prov-b"]
    assert {"luzhou-2022", "prov2026-河北省"} <= annotated_doc_ids()  # the project's own gold


def test_gold_units_carry_hand_labels_and_pipeline_tokens(nlp, tmp_path):
    units = [("全年办结复议案件35件。", "achievement", []), ("明年将加强执法监督。", "plan", [])]
    make_corpus(tmp_path / "a", "a", text="\n".join(u for u, _, _ in units) + "\n", units=units)
    units = gold_units(nlp, ("a",), dev_dir=tmp_path)["a"]
    assert [(u.label, u.votes) for u in units] == [("achievement", {"gold": "achievement"}), ("plan", {"gold": "plan"})]
    assert "".join(units[1].tokens) == "明年将加强执法监督。" and len(units[1].tokens) > 3


def test_hand_labels_outweigh_weak_ones():
    weak = [WeakUnit("w", 0, 1, "", y, tokens=t) for t, y in TRAIN]
    odd = ["办结", "执法", "监督", "。"]  # achievement by hand, plan by its words
    weak += [WeakUnit("w", 0, 1, "", "plan", tokens=["下一步", "执法", "监督", "。"])] * 3
    gold = [WeakUnit("g", 0, 1, "", "achievement", tokens=odd), WeakUnit("g", 0, 1, "", "responsibility", tokens=odd)]
    without = fit_classifier(weak, gold, params=SMALL, gold_weight=0.0)
    heavy = fit_classifier(weak, gold, params=SMALL, gold_weight=20.0)
    assert "responsibility" not in heavy.classes_  # no weak labels of it: the rules keep that label
    column = list(heavy.classes_).index("achievement")
    assert heavy.predict_proba([odd])[0, column] > without.predict_proba([odd])[0, column] + 0.2


def test_gold_cross_validation_holds_out_one_folder_at_a_time(nlp):
    weak = [WeakUnit("w", 0, 1, "", y, tokens=t) for t, y in TRAIN]
    gold = {name: [WeakUnit(name, 0, 1, "".join(t), y, tokens=t) for t, y in TRAIN[i::3]] for i, name in enumerate("abc")}
    result = gold_cross_validate(weak, gold, tagger=nlp.get_pipe("policy_sentence_rules"), params=SMALL,
                                 gold_weights=(0.0, 3.0))
    assert result["units"] == len(TRAIN) and result["folders"] == ["a", "b", "c"]
    assert {"weight_0", "weight_3", "rules"} <= set(result)
    assert 0.0 <= result["weight_3"]["pooled"]["macro_f1"] <= 1.0
    by_folder = result["weight_3"]["pooled_by_folder"]
    assert set(by_folder) == {"a", "b", "c"}
    # the folders' accuracies, weighted by their sizes, give the pooled accuracy back
    sizes = {name: len(units) for name, units in gold.items()}
    pooled = sum(by_folder[name]["accuracy"] * sizes[name] for name in sizes) / len(TRAIN)
    assert pooled == pytest.approx(result["weight_3"]["pooled"]["accuracy"], abs=1e-3)
    assert "| a |" in _gold_cv_section({"gold_cross_validation": result})


def test_hand_labels_never_come_from_the_measurement_sets():
    from pipeline.train.sentence import CORPUS_DIR

    assert "heldout6" not in GOLD_TRAINING_FOLDERS
    assert all((CORPUS_DIR / "dev" / name / "gold").is_dir() for name in GOLD_TRAINING_FOLDERS)
