"""The trained ner's gates (ORG windows, gate_chars units) and its numpy matrix products: faster,
same entities."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from spacy import util
from thinc.api import NumpyOps

from pipeline.components.trained_ner import OrgEnds, make_trained_ner
from pipeline.data_files import load_json
from pipeline.language import DEFAULT_CONFIG

# The ner finds ORG names in three units; the second unit has no word ending like a body, so the
# gate leaves it out.
TEXT = (
    "2022年，陕西省人民政府与联合国教科文组织签署协议，投入资金3亿元。今年经济增长5%。"
    "全国人大常委会审议通过《中华人民共和国行政复议法》。中国农业银行和广西日报社参加了活动。"
)
ORGS = ["陕西省人民政府", "联合国教科文组织", "全国人大常委会", "中国农业银行"]


GATE_CHARS = "会办协厅团大央委室局府心科组股部队院织行报国联盟学司站"


@contextmanager
def gated(nlp, *, chars: str = "", windows: bool = False):
    """The ner with the unit gate ``chars``, or the ORG windows, or (neither) ungated."""
    ner = nlp.get_pipe("ner")
    saved = ner.gate_chars, ner.org_ends
    ner.gate_chars = frozenset(chars)
    ner.org_ends = OrgEnds(load_json("org.json"), "org.json") if windows else None
    try:
        yield ner
    finally:
        ner.gate_chars, ner.org_ends = saved


def ents(doc):
    return [(e.start_char, e.end_char, e.text, e.label_) for e in doc.ents]


def test_default_pipeline_runs_the_ner_on_org_windows_for_the_prefix_merge(nlp):
    cfg = util.load_config(DEFAULT_CONFIG)
    assert cfg["components"]["ner"]["window_org"] == "org.json"
    assert not cfg["components"]["ner"]["gate_chars"]
    assert cfg["components"]["policy_entity_rules"]["merge"] == "prefix"
    assert cfg["components"]["policy_entity_rules"]["model_labels"] == ["ORG"]
    assert nlp.get_pipe("ner").org_ends is not None


def test_windows_give_the_prefix_merge_the_same_entities_as_whole_units(nlp):
    windowed = ents(nlp(TEXT))
    with gated(nlp):
        whole = ents(nlp(TEXT))
    assert windowed == whole
    orgs = [text for _, _, text, label in windowed if label == "ORG"]
    assert "陕西省人民政府" in orgs and "全国人大常委会" in orgs


def test_org_windows_surround_the_words_an_org_name_ends_with(nlp):
    ner = nlp.get_pipe("ner")
    doc = nlp.get_pipe("policy_structure")(nlp.make_doc(TEXT))
    windows = ner.org_windows(doc)
    units = list(doc.spans["units"])
    assert windows and all(any(u.start <= w.start and w.end <= u.end for u in units) for w in windows)
    assert sum(len(w) for w in windows) < len(doc)
    words = {t.text for w in windows for t in w}
    assert {"省人民政府", "人大常委会"} <= words
    assert not [w for w in windows if "增长" in w.text]  # 今年经济增长5%。 holds no body's last word
    before, after = ner.window_size
    for window in windows:
        ends = [t.i for t in window if ner.org_ends(t.text)]
        assert ends and window.start >= ends[0] - before and window.end <= ends[-1] + 1 + after
    # overlapping windows are joined: no two windows touch
    assert all(a.end < b.start for a, b in zip(windows, windows[1:], strict=False))


def test_org_ends_follow_the_org_data():
    ends = OrgEnds(load_json("org.json"), "org.json")
    assert ends("省人民政府") and ends("司法局") and ends("区委") and ends("人大常委会")
    assert ends("格局")  # a superset of the rules' ends: their stop words are checked after matching
    assert not ends("增长") and not ends("5%")


@pytest.mark.parametrize(
    ("settings", "code"),
    [({"gate_chars": "局", "window_org": "org.json"}, "E063"), ({"window_size": [12]}, "E064"),
     ({"window_size": [-1, 2]}, "E064")],
)
def test_bad_gate_settings_are_refused_with_a_code(nlp, settings, code):
    args = {"gate_chars": "", "window_org": "", "window_size": [12, 2], **settings}
    with pytest.raises(ValueError, match=code):
        make_trained_ner(nlp, "other", **args)


@pytest.fixture
def merge_extend(nlp):
    """All the ner's ORG spans reach the output (the default ``prefix`` keeps only extensions)."""
    rules = nlp.get_pipe("policy_entity_rules")
    saved = rules.merge
    rules.merge = "extend"
    yield
    rules.merge = saved


def test_unit_gate_does_not_change_the_entities_where_the_ner_matters(nlp, merge_extend):
    with gated(nlp, chars=GATE_CHARS):
        by_units = ents(nlp(TEXT))
        through_pipe = [ents(doc) for doc in nlp.pipe([TEXT, TEXT])]
    with gated(nlp):
        whole = ents(nlp(TEXT))
    assert by_units == whole
    texts = [text for _, _, text, label in by_units if label == "ORG"]
    assert set(ORGS) <= set(texts)  # a retrained ner may add more (广西日报社)
    alone = nlp.get_pipe("ner").ungated(nlp.get_pipe("policy_structure")(nlp.make_doc(TEXT)))
    ner_orgs = [e.text for e in alone.ents if e.label_ == "ORG"]
    assert ner_orgs and set(ner_orgs) <= set(texts)  # what the ner finds on the whole text survives the gate
    assert through_pipe == [by_units, by_units]


def test_ner_runs_only_on_gated_units(nlp):
    with gated(nlp, chars=GATE_CHARS) as ner:
        doc = nlp.get_pipe("policy_structure")(nlp.make_doc(TEXT))
        units = [u.text for u in ner.gated_units(doc)]
        doc = ner(doc)
    assert units == [
        "2022年，陕西省人民政府与联合国教科文组织签署协议，投入资金3亿元。",
        "全国人大常委会审议通过《中华人民共和国行政复议法》。",
        "中国农业银行和广西日报社参加了活动。",
    ]
    left_out = doc.spans["units"][1]
    assert left_out.text == "今年经济增长5%。"
    assert not [e for e in doc.ents if left_out.start <= e.start < left_out.end]
    # the rules still find the quantity there
    assert ("5%", "QUANTITY") in [(e.text, e.label_) for e in nlp(TEXT).ents]


def test_without_units_or_gate_the_ner_sees_the_whole_document(nlp):
    ner = nlp.get_pipe("ner")
    bare = nlp.make_doc(TEXT)  # no policy_structure: no units
    with gated(nlp):
        whole = ents(ner(nlp.make_doc(TEXT)))
    assert ents(ner(bare)) == whole


def test_ungated_runs_the_ner_alone_on_every_unit(nlp):
    ner = nlp.get_pipe("ner")
    doc = ner.ungated(nlp.get_pipe("policy_structure")(nlp.make_doc(TEXT)))
    with gated(nlp):
        per_unit = ner.ungated(nlp.get_pipe("policy_structure")(nlp.make_doc(TEXT)))
    assert ents(doc) == ents(per_unit)
    assert "中国农业银行" in [e.text for e in doc.ents]  # a body no window holds


def test_factory_default_is_ungated_and_matrix_products_use_numpy(nlp):
    component = make_trained_ner(nlp, "other", gate_chars="", window_org="", window_size=[12, 2])
    assert component.gate_chars == frozenset() and component.org_ends is None
    ops = {type(node.ops) for node in nlp.get_pipe("ner").ner.model.walk()}
    assert ops == {NumpyOps}
    assert not any(node.ops.use_blis for node in nlp.get_pipe("ner").ner.model.walk())


def test_gate_survives_save_and_load(nlp, tmp_path):
    import spacy

    nlp.to_disk(tmp_path / "p")
    loaded = spacy.load(tmp_path / "p")
    ner, again = nlp.get_pipe("ner"), loaded.get_pipe("ner")
    assert again.gate_chars == ner.gate_chars and again.window_size == ner.window_size
    assert again.org_ends.data == ner.org_ends.data
    assert (tmp_path / "p" / "ner" / "window_org.json").exists()  # the rules travel with it
    assert ents(loaded(TEXT)) == ents(nlp(TEXT))


@pytest.mark.parametrize(("chars", "windows"), [("", False), ("局", False), ("", True)])
def test_empty_document(nlp, chars, windows):
    with gated(nlp, chars=chars, windows=windows):
        assert list(nlp("").ents) == []
        assert list(nlp("。\n\n").ents) == []


def test_build_takes_config_overrides_for_other_merges(nlp):
    import pipeline

    overrides = {"components.ner.window_org": "", "components.ner.gate_chars": GATE_CHARS,
                 "components.policy_entity_rules.merge": "extend"}
    extend = pipeline.build(overrides=overrides)
    assert extend.get_pipe("policy_entity_rules").merge == "extend"
    assert extend.get_pipe("ner").org_ends is None and extend.get_pipe("ner").gate_chars
    # The ner's own spans (no rule span overlaps them) are kept under extend; the default prefix
    # merge leaves out those without a trusted ending. Which spans the ner finds depends on its
    # training run, so they are read off the model rather than written here.
    rules = nlp.get_pipe("policy_entity_rules")
    trusted = tuple(rules._model_name_endings)
    own = []
    for text in ["陕西省人民政府与国际竹藤组织签署协议。", "推动与东盟秘书处合作。", "世界自然基金会发布报告。"]:
        doc = extend.make_doc(text)
        for name, proc in extend.pipeline:
            if name == "policy_entity_rules":
                break
            doc = proc(doc)
        rule_spans = rules.find(nlp.make_doc(text))
        own += [(text, e.text) for e in doc.ents if e.label_ == "ORG"
                and not any(r.start_char < e.end_char and e.start_char < r.end_char for r in rule_spans)]
    assert own, "the ner found no ORG of its own in any of the texts"
    for text, org in own:
        assert org in [e.text for e in extend(text).ents if e.label_ == "ORG"]
        default = [e.text for e in nlp(text).ents if e.label_ == "ORG"]
        assert (org in default) == org.endswith(trusted)


def test_prefix_merge_adds_the_ners_institutions_with_a_trusted_ending(nlp):
    """org.json model_name_endings: a university, a company, a bank are kept from the ner; other
    bodies the rules do not know are not (the default merge)."""
    text = "西藏农牧学院和中国雅江集团参加了会议，中国农业银行提供贷款，国际竹藤组织派员出席。"
    orgs = [e.text for e in nlp(text).ents if e.label_ == "ORG"]
    assert {"西藏农牧学院", "中国雅江集团", "中国农业银行"} <= set(orgs)
    assert "国际竹藤组织" not in orgs
