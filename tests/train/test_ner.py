"""The ner's data conversion, the rule/model precedence, and an overfit-and-reload run."""

from __future__ import annotations

import json
import random
from collections import Counter

import pytest
import spacy
from spacy.tokens import Doc, DocBin
from test_gold import make_corpus

from pipeline.components.entities import merge_spans
from pipeline.labels import LAW, ORG, QUANTITY
from pipeline.train import ner as T

CLUENER_LINES = [
    json.dumps(
        {
            "text": "国务院办公厅与阿里巴巴签约，新华社报道。",
            "label": {
                "government": {"国务院办公厅": [[0, 5]]},
                "company": {"阿里巴巴": [[7, 10]]},
                "organization": {"新华社": [[14, 16]]},
            },
        },
        ensure_ascii=False,
    ),
    json.dumps({"text": "他说：好。", "label": {"name": {"他": [[0, 1]]}}}, ensure_ascii=False),
    "",
]

# MSRA: one character and a BMES tag a line, CRLF, a blank line between sentences.
MSRA_TEXT = (
    "中 B-ORG\r\n共 M-ORG\r\n中 M-ORG\r\n央 E-ORG\r\n在 O\r\n北 B-LOC\r\n京 E-LOC\r\n。 O\r\n\r\n"
    "联 S-ORG\r\n合 O\r\n\r\n"
)


def test_read_cluener_keeps_government_and_organization_as_org():
    stats = Counter()
    items = list(T.read_cluener(CLUENER_LINES, stats))
    assert len(items) == 2
    first = items[0]
    assert sorted(first.spans) == [(0, 6, ORG), (14, 17, ORG)]  # end exclusive now
    assert [first.text[s:e] for s, e, _ in first.spans] == ["国务院办公厅", "新华社"]
    assert first.unsure == [(7, 11)]  # company: neither ORG nor outside
    assert items[1].spans == [] and items[1].unsure == [(0, 2)]  # a mismatch is left unannotated
    assert stats["offset_mismatch"] == 1  # "他" is given as [0, 1], two characters


def test_read_msra_bmes_with_crlf():
    items = list(T.read_msra(MSRA_TEXT.splitlines(keepends=True)))
    assert [it.text for it in items] == ["中共中央在北京。", "联合"]
    assert items[0].spans == [(0, 4, ORG)]  # LOC is not kept
    assert items[1].spans == [(0, 1, ORG)]


def test_annotated_to_doc_aligns_marks_misaligned_missing_and_adds_rule_quantities(nlp):
    rules = nlp.get_pipe("policy_entity_rules")
    text = "区司法局受理案件32件。"
    doc = nlp.make_doc(text)
    assert doc.char_span(0, 4) is not None
    cut = next(i for i in range(1, len(text)) if doc.char_span(0, i) is None)  # inside a token
    item = T.Annotated(text, spans=[(0, 4, ORG)])
    stats = Counter()
    out = T.annotated_to_doc(nlp, rules, item, stats)
    assert [(e.text, e.label_) for e in out.ents] == [("区司法局", ORG), ("32件", QUANTITY)]
    assert stats["ORG_aligned"] == 1 and stats["QUANTITY_rules"] == 1
    assert all(t.ent_iob_ in ("B", "I", "O") for t in out)  # everything else is outside

    stats = Counter()
    bad = T.annotated_to_doc(nlp, None, T.Annotated(text, spans=[(0, cut, ORG)]), stats)
    assert stats["ORG_misaligned"] == 1 and not list(bad.ents)
    wide = doc.char_span(0, cut, alignment_mode="expand")
    assert [t.ent_iob_ for t in bad[wide.start : wide.end]] == [""] * len(wide)  # missing
    assert bad[wide.end].ent_iob_ == "O"


def test_unsure_spans_stay_unannotated_and_block_rule_spans(nlp):
    rules = nlp.get_pipe("policy_entity_rules")
    text = "阅读《三体》一书。"
    doc = T.annotated_to_doc(nlp, rules, T.Annotated(text, unsure=[(2, 6)]), Counter())
    assert not list(doc.ents)  # the rules' LAW inside the unsure book title is not added
    assert "" in [t.ent_iob_ for t in doc]


def test_silver_units_one_doc_per_unit_with_rule_entities(nlp):
    rules = nlp.get_pipe("policy_entity_rules")
    doc = rules(nlp.make_doc("区司法局办结案件28件。\n全面推进工作。"))
    stats = Counter()
    units = T.silver_units(doc, None, stats)
    assert [u.text for u in units] == ["区司法局办结案件28件。", "全面推进工作。"]
    assert [(e.text, e.label_) for e in units[0].ents] == [("区司法局", ORG), ("28件", QUANTITY)]
    assert not list(units[1].ents)
    assert stats["units"] == 2 and stats[ORG] == 1 and stats[QUANTITY] == 1
    # With a sampler, a unit without entities is kept only with the given probability.
    kept = T.silver_units(doc, random.Random(0), Counter(), empty_share=0.0)
    assert [u.text for u in kept] == ["区司法局办结案件28件。"]


def test_silver_units_leave_an_entity_across_units_unannotated(nlp):
    doc = nlp.make_doc("认真贯彻《\n行政复议法\n》。")
    doc.ents = [doc.char_span(5, 12, label=LAW)]  # an entity (from any source) across two line breaks
    assert doc.ents[0].text == "\n行政复议法\n"
    stats = Counter()
    units = T.silver_units(doc, None, stats)
    assert [u.text for u in units] == ["认真贯彻《", "行政复议法", "》。"]
    assert stats["units_with_crossing_entity"] == 1
    assert [t.ent_iob_ for t in units[1]] == ["", ""]  # missing, not a cut LAW and not outside
    assert all(t.ent_iob_ == "O" for t in units[0]) and all(t.ent_iob_ == "O" for t in units[2])


def test_gold_unit_docs_take_hand_entities_and_leave_off_token_spans_missing(nlp, tmp_path):
    units = [
        ("区司法局办结案件35件。", "achievement", [("区司法局", ORG), ("35件", QUANTITY)]),
        ("明年将修订《行政复议法》。", "plan", [("行政复议法", LAW)]),
        ("两会召开。", "other", [("两", QUANTITY)]),  # 两会 is one of our tokens
    ]
    make_corpus(tmp_path / "a", "a", text="\n".join(u for u, _, _ in units) + "\n", units=units)
    stats = Counter()
    docs = T.gold_unit_docs(nlp, ("a",), dev_dir=tmp_path, stats=stats)
    assert [d.text for d in docs] == ["区司法局办结案件35件。", "明年将修订《行政复议法》。", "两会召开。"]
    assert [(e.text, e.label_) for e in docs[0].ents] == [("区司法局", ORG), ("35件", QUANTITY)]
    assert [(e.text, e.label_) for e in docs[1].ents] == [("行政复议法", LAW)]
    assert not docs[2].ents and [t.ent_iob_ for t in docs[2]] == ["", "O", "O"]  # missing, not guessed
    assert (stats["gold_units"], stats["gold_ORG"], stats["gold_spans_off_tokens"]) == (3, 1, 1)


def test_split_by_document_is_disjoint_deterministic_and_covers_each_source():
    groups = {
        "a": [(f"a{i}", "text") for i in range(20)],
        "b": [(f"b{i}", "text") for i in range(9)],
    }
    parts = T.split_by_document(groups, seed=3)
    ids = {k: {d for d, _ in v} for k, v in parts.items()}
    assert not (ids["train"] & ids["test"]) and not (ids["train"] & ids["dev"]) and not (ids["dev"] & ids["test"])
    assert set().union(*ids.values()) == {d for g in groups.values() for d, _ in g}
    for part in ("dev", "test"):
        assert any(d.startswith("a") for d in ids[part]) and any(d.startswith("b") for d in ids[part])
    assert T.split_by_document(groups, seed=3) == parts


def test_shared_corpora_absent_is_none(tmp_path, monkeypatch):
    monkeypatch.setenv(T.ENV_SHARED, str(tmp_path))
    assert T.shared_ner_dir() is None


def test_score_exact_match():
    gold = [[(0, 3, ORG), (4, 6, QUANTITY)]]
    pred = [[(0, 3, ORG), (4, 5, QUANTITY), (7, 9, ORG)]]
    out = T.score(gold, pred, (ORG, QUANTITY))
    assert (out[ORG]["tp"], out[ORG]["fp"], out[ORG]["fn"]) == (1, 1, 0)
    assert out[ORG]["p"] == 0.5 and out[ORG]["r"] == 1.0
    assert out[QUANTITY]["f"] == 0.0


# --------------------------------------------------------------------------- precedence


def _spans(doc, items):
    out = []
    for text, label in items:
        start = doc.text.index(text)
        out.append(doc.char_span(start, start + len(text), label=label))
    assert all(s is not None for s in out)
    return out


def test_merge_rules_first_keeps_rules_and_adds_disjoint_model_spans():
    nlp = spacy.blank("zh")
    doc = Doc(nlp.vocab, words=["市", "司法局", "与", "海关", "总署", "共", "32", "件"], spaces=[False] * 8)
    rules = _spans(doc, [("司法局", ORG), ("32件", QUANTITY)])
    model = _spans(doc, [("市司法局", ORG), ("海关总署", ORG)])
    merged = merge_spans(rules, model, mode="rules_first", model_labels=(ORG,))
    assert [(s.text, s.label_) for s in merged] == [("司法局", ORG), ("海关总署", ORG), ("32件", QUANTITY)]


def test_merge_model_first_overrides_rule_spans_of_model_labels_only():
    nlp = spacy.blank("zh")
    doc = Doc(nlp.vocab, words=["市", "司法局", "印发", "《", "办法", "》", "32", "件"], spaces=[False] * 8)
    rules = _spans(doc, [("司法局", ORG), ("办法", LAW), ("32件", QUANTITY)])
    model = _spans(doc, [("市司法局", ORG), ("办法》", ORG), ("32", QUANTITY)])
    merged = merge_spans(rules, model, mode="model_first", model_labels=(ORG,))
    # LAW and QUANTITY of the rules stand first; the model's ORG beats the rules' ORG.
    assert [(s.text, s.label_) for s in merged] == [("市司法局", ORG), ("办法", LAW), ("32件", QUANTITY)]


def test_merge_extend_takes_a_left_extension_but_not_a_run_on():
    nlp = spacy.blank("zh")
    doc = Doc(nlp.vocab, words=["陕西省", "人民政府", "、", "区", "司法局", "会同", "海关总署"], spaces=[False] * 7)
    rules = _spans(doc, [("人民政府", ORG), ("区司法局", ORG)])
    model = _spans(doc, [("陕西省人民政府", ORG), ("区司法局会同海关总署", ORG)])
    merged = merge_spans(rules, model, mode="extend", model_labels=(ORG,))
    assert [s.text for s in merged] == ["陕西省人民政府", "区司法局"]
    # model_first would let the run-on span win as well.
    assert [s.text for s in merge_spans(rules, model, mode="model_first", model_labels=(ORG,))] == [
        "陕西省人民政府", "区司法局会同海关总署"]


def test_rule_component_combines_with_upstream_ents(nlp):
    rules = nlp.get_pipe("policy_entity_rules")
    text = "最高法与区司法局受理案件32件。"
    doc = nlp.make_doc(text)
    alone = [(e.text, e.label_) for e in rules.combine(doc, [], mode="off", model_labels=(ORG,))]
    # No upstream ner: merging changes nothing.
    assert [(e.text, e.label_) for e in rules.combine(doc, [], mode="rules_first", model_labels=(ORG,))] == alone
    upstream = _spans(doc, [("最高法", ORG), ("受理", LAW), ("32件", QUANTITY)])
    merged = rules.combine(doc, upstream, mode="rules_first", model_labels=(ORG,))
    assert ("最高法", ORG) in [(e.text, e.label_) for e in merged]
    assert ("受理", LAW) not in [(e.text, e.label_) for e in merged]  # LAW is not a model label here
    qty = [e for e in merged if e.label_ == QUANTITY]
    assert [(q.text, q._.value, q._.unit) for q in qty] == [("32件", 32, "件")]


def test_model_spans_pass_the_guideline_checks(nlp):
    rules = nlp.get_pipe("policy_entity_rules")
    doc = nlp.make_doc("我局落实《区政府工作规则》,2022年召开会议。")
    upstream = _spans(doc, [("我局", ORG), ("区政府", ORG), ("2022年", QUANTITY)])
    merged = rules.combine(doc, upstream, mode="model_first", model_labels=(ORG, QUANTITY))
    assert [(e.text, e.label_) for e in merged] == [("区政府工作规则", LAW)]
    # 我局 is a self reference, 区政府 lies inside a title (only the LAW), 2022年 is a year.


def test_unknown_merge_mode_is_a_coded_error(nlp):
    rules = nlp.get_pipe("policy_entity_rules")
    with pytest.raises(ValueError, match="E060"):
        rules.combine(nlp.make_doc("区委。"), [], mode="model_only", model_labels=(ORG,))
    with pytest.raises(ValueError, match="E007"):
        rules.combine(nlp.make_doc("区委。"), [], mode="rules_first", model_labels=("PER",))


# --------------------------------------------------------------------------- overfit + reload

TINY = [
    ("区司法局受理案件32件。", [("区司法局", ORG), ("32件", QUANTITY)]),
    ("认真贯彻《行政复议法》。", [("行政复议法", LAW)]),
    ("市委召开会议3次。", [("市委", ORG), ("3次", QUANTITY)]),
]


def _tiny_docs(nlp):
    docs = []
    for text, ents in TINY:
        doc = nlp.make_doc(text)
        doc.ents = _spans(doc, ents)
        docs.append(doc)
    return docs


@pytest.mark.slow
def test_ner_overfits_tiny_data_and_reloads(nlp, tmp_path):
    """`spacy train` with the real ner.cfg, our tokenizer and the small-artefact callback."""
    from spacy.cli.train import train as spacy_train

    from pipeline.language import build, user_dict_path
    from pipeline.models import resolve_pkuseg_dir

    docs = _tiny_docs(nlp)
    DocBin(docs=docs).to_disk(tmp_path / "tiny.spacy")
    spacy_train(
        T.NER_CONFIG,
        tmp_path / "out",
        overrides={
            "paths.train": str(tmp_path / "tiny.spacy"),
            "paths.dev": str(tmp_path / "tiny.spacy"),
            "paths.pkuseg_model": str(resolve_pkuseg_dir()),
            "paths.pkuseg_user_dict": user_dict_path("policy"),
            "training.max_steps": 50,
            "training.eval_frequency": 10,
            "training.dropout": 0.0,
            "training.batcher.size.start": 1000,
        },
    )
    best = tmp_path / "out" / "model-best"
    # The saved artefact is small and has no pkuseg model: plain zh character segmenter.
    assert spacy.load(best).config["nlp"]["tokenizer"]["segmenter"] == "char"
    assert sum(p.stat().st_size for p in best.rglob("*") if p.is_file()) < 20_000_000
    assert "区司法局" not in spacy.load(best).vocab.strings  # no training words in the artefact
    expected = [[(s.start_char, s.end_char, s.label_) for s in d.ents] for d in docs]
    assert T.predict(spacy.load(best), docs) == expected

    # Inside the policy pipeline: the component loads the weights at initialize, sees our pkuseg
    # tokens, and a saved pipeline reloads with spacy.load with the same output.
    cfg = tmp_path / "host.cfg"
    cfg.write_text(HOST_CONFIG.replace("MODEL_DIR", str(best)), encoding="utf-8")
    host = build(cfg)
    assert host.pipe_names == ["ner", "policy_entity_rules"]
    texts = [t for t, _ in TINY]
    with host.select_pipes(enable=["ner"]):
        assert [[(e.text, e.label_) for e in host(t).ents] for t in texts] == [e for _, e in TINY]
    first = [[(e.text, e.label_, e._.value) for e in host(t).ents] for t in texts]
    host.to_disk(tmp_path / "host")
    again = spacy.load(tmp_path / "host")
    assert [[(e.text, e.label_, e._.value) for e in again(t).ents] for t in texts] == first
    with again.select_pipes(enable=["ner"]):
        assert [[(e.text, e.label_) for e in again(t).ents] for t in texts] == [e for _, e in TINY]


HOST_CONFIG = """
[nlp]
lang = "zh"
pipeline = ["ner","policy_entity_rules"]

[nlp.tokenizer]
@tokenizers = "policy_pipeline.ChineseTokenizer.v1"
segmenter = "pkuseg"

[components]

[components.ner]
factory = "policy_trained_ner"

[components.policy_entity_rules]
factory = "policy_entity_rules"
merge = "rules_first"

[initialize]

[initialize.tokenizer]
pkuseg_model = null
pkuseg_user_dict = null

[initialize.components]

[initialize.components.ner]
model = "MODEL_DIR"
"""


def test_uninitialised_trained_ner_is_a_coded_error():
    host = spacy.blank("zh")
    component = host.add_pipe("policy_trained_ner", name="ner")
    with pytest.raises(ValueError, match="E015"):
        component(host("市委"))
    with pytest.raises(OSError, match="E062"):
        component.initialize(model="/nonexistent/ner")
