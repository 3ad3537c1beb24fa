"""The trained ner's unit gate (gate_chars) and its numpy matrix products: faster, same entities."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from spacy import util
from thinc.api import NumpyOps

from pipeline.components.trained_ner import make_trained_ner
from pipeline.language import DEFAULT_CONFIG

# The ner matters here: it adds the administrative prefix (陕西省人民政府, 全国人大常委会) and bodies
# the rules do not know (联合国教科文组织, 中国农业银行, 广西日报社); the second unit has no word
# ending like a body, so the gate leaves it out.
TEXT = (
    "2022年，陕西省人民政府与联合国教科文组织签署协议，投入资金3亿元。今年经济增长5%。"
    "全国人大常委会审议通过《中华人民共和国行政复议法》。中国农业银行和广西日报社参加了活动。"
)
ORGS = ["陕西省人民政府", "联合国教科文组织", "全国人大常委会", "中国农业银行", "广西日报社"]


@contextmanager
def ungated(nlp):
    ner = nlp.get_pipe("ner")
    gate = ner.gate_chars
    ner.gate_chars = frozenset()
    try:
        yield
    finally:
        ner.gate_chars = gate


def ents(doc):
    return [(e.start_char, e.end_char, e.text, e.label_) for e in doc.ents]


def test_default_pipeline_gates_the_ner():
    cfg = util.load_config(DEFAULT_CONFIG)
    assert cfg["components"]["ner"]["gate_chars"]
    assert cfg["components"]["policy_entity_rules"]["model_labels"] == ["ORG"]


@pytest.fixture
def merge_extend(nlp):
    """All the ner's ORG spans reach the output (the default ``prefix`` keeps only extensions)."""
    rules = nlp.get_pipe("policy_entity_rules")
    saved = rules.merge
    rules.merge = "extend"
    yield
    rules.merge = saved


def test_gate_does_not_change_the_entities_where_the_ner_matters(nlp, merge_extend):
    assert nlp.get_pipe("ner").gate_chars
    gated = ents(nlp(TEXT))
    with ungated(nlp):
        whole = ents(nlp(TEXT))
    assert gated == whole
    texts = [text for _, _, text, label in gated if label == "ORG"]
    assert texts == ORGS
    rules = nlp.get_pipe("policy_entity_rules").find(nlp(TEXT))
    assert [e.text for e in rules if e.label_ == "ORG"] != texts  # the ner's spans make the difference
    # the same through nlp.pipe
    assert [ents(doc) for doc in nlp.pipe([TEXT, TEXT])] == [gated, gated]


def test_ner_runs_only_on_gated_units(nlp):
    ner = nlp.get_pipe("ner")
    doc = nlp.get_pipe("policy_structure")(nlp.make_doc(TEXT))
    units = [u.text for u in ner.gated_units(doc)]
    assert units == [
        "2022年，陕西省人民政府与联合国教科文组织签署协议，投入资金3亿元。",
        "全国人大常委会审议通过《中华人民共和国行政复议法》。",
        "中国农业银行和广西日报社参加了活动。",
    ]
    doc = ner(doc)
    left_out = doc.spans["units"][1]
    assert left_out.text == "今年经济增长5%。"
    assert not [e for e in doc.ents if left_out.start <= e.start < left_out.end]
    # the rules still find the quantity there
    assert ("5%", "QUANTITY") in [(e.text, e.label_) for e in nlp(TEXT).ents]


def test_without_units_or_gate_the_ner_sees_the_whole_document(nlp):
    ner = nlp.get_pipe("ner")
    bare = nlp.make_doc(TEXT)  # no policy_structure: no units
    with ungated(nlp):
        whole = ents(ner(nlp.make_doc(TEXT)))
    assert ents(ner(bare)) == whole


def test_factory_default_is_ungated_and_matrix_products_use_numpy(nlp):
    component = make_trained_ner(nlp, "other", gate_chars="")
    assert component.gate_chars == frozenset()
    ops = {type(node.ops) for node in nlp.get_pipe("ner").ner.model.walk()}
    assert ops == {NumpyOps}
    assert not any(node.ops.use_blis for node in nlp.get_pipe("ner").ner.model.walk())


def test_gate_survives_save_and_load(nlp, tmp_path):
    import spacy

    nlp.to_disk(tmp_path / "p")
    loaded = spacy.load(tmp_path / "p")
    assert loaded.get_pipe("ner").gate_chars == nlp.get_pipe("ner").gate_chars
    assert ents(loaded(TEXT)) == ents(nlp(TEXT))


@pytest.mark.parametrize("gate", ["", "局"])
def test_empty_document(nlp, gate):
    ner = nlp.get_pipe("ner")
    old = ner.gate_chars
    ner.gate_chars = frozenset(gate)
    try:
        assert list(nlp("").ents) == []
    finally:
        ner.gate_chars = old
