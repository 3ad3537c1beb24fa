from pathlib import Path

import pytest


def labels(units_of, text):
    return {t: label for t, label, _, _ in units_of(text)}


def test_heading_context_sets_labels(units_of):
    text = (
        "一、履行推进法治建设第一责任人职责情况\n(一)扛牢法治职责。党组书记主持召开会议。\n"
        "二、2022年工作情况\n开展培训。全年受理案件32件。\n"
        "三、存在的问题\n队伍结构不合理。\n"
        "四、2023年工作安排\n(一)加强学习。开展培训。\n"
    )
    got = labels(units_of, text)
    assert got["一、履行推进法治建设第一责任人职责情况"] == "responsibility"
    assert got["(一)扛牢法治职责。"] == "responsibility"
    assert got["全年受理案件32件。"] == "achievement"
    assert got["三、存在的问题"] == "problem"
    assert got["队伍结构不合理。"] == "problem"
    assert got["四、2023年工作安排"] == "plan"
    assert got["(一)加强学习。"] == "plan"
    assert got["开展培训。"] == "plan"  # the later unit with this text, in the plan section


def test_problem_inside_a_review_section(units_of):
    text = "一、2025年工作回顾\n全年完成投资1万亿元。同时也要清醒看到，发展不平衡不充分问题仍然突出。\n"
    got = labels(units_of, text)
    assert got["全年完成投资1万亿元。"] == "achievement"
    assert got["同时也要清醒看到，发展不平衡不充分问题仍然突出。"] == "problem"


def test_result_then_gap_is_problem(units_of):
    got = labels(units_of, "2022年法治政府建设取得了一些成绩,但仍存在一定差距。")
    assert got == {"2022年法治政府建设取得了一些成绩,但仍存在一定差距。": "problem"}


def test_cues_work_without_headings(units_of):
    got = labels(units_of, "下一步,我们将继续深化改革。全年办结案件28件。各位代表：")
    assert got["下一步,我们将继续深化改革。"] == "plan"
    assert got["全年办结案件28件。"] == "achievement"
    assert got["各位代表："] == "other"


def test_scores_are_probabilities(nlp):
    doc = nlp("全年办结案件28件。")
    span = doc.spans["units"][0]
    assert abs(sum(span._.scores.values()) - 1) < 1e-6
    assert 0 < span._.score <= 1


def test_problem_paragraph_carries_over_until_the_pledge(units_of):
    text = (
        "一、2025年工作回顾\n全年完成投资1万亿元。\n"
        "我们也清醒认识到，政府工作中仍存在一些不足。主要是：外部环境变化影响加深。"
        "公共服务还要补短板、提质量。我们要直面这些问题挑战，尽心竭力做好政府工作。\n"
    )
    got = labels(units_of, text)
    assert got["主要是：外部环境变化影响加深。"] == "problem"
    assert got["公共服务还要补短板、提质量。"] == "problem"
    assert got["我们要直面这些问题挑战，尽心竭力做好政府工作。"] == "plan"


@pytest.mark.parametrize(
    "pledge",
    ["我们一定采取有力有效措施加以解决。", "对这些问题，我们一定正视问题，切实加以解决。", "所有这些问题，我们都要高度重视，下大力气解决。",
     "我们一定正视困难、直面挑战，迎难而上，尽心竭力做好各项工作。"],
)
def test_the_pledge_that_closes_a_list_of_gaps_is_a_plan(units_of, pledge):
    text = (
        "一、2025年工作回顾\n全年完成投资1万亿元。\n"
        "同时也要看到，经济发展还面临不少困难和问题，一些企业经营困难，民生领域还有短板。" + pledge + "\n"
    )
    got = labels(units_of, text)
    assert got["同时也要看到，经济发展还面临不少困难和问题，一些企业经营困难，民生领域还有短板。"] == "problem"
    assert got[pledge] == "plan"


def test_lower_heading_does_not_override_the_section(units_of):
    text = "一、2025年工作回顾\n（八）加强政府自身建设\n严格落实全面从严治党主体责任。\n三、2026年重点工作\n（一）巩固拓展成效\n"
    got = labels(units_of, text)
    assert got["（八）加强政府自身建设"] == "achievement"
    assert got["（一）巩固拓展成效"] == "plan"


def test_pooling_adds_classifier_log_probabilities(nlp):
    rules = nlp.get_pipe("policy_sentence_rules")
    rule_scores = {"responsibility": 0.0, "achievement": 1.0, "problem": 0.0, "plan": 0.5, "other": 0.0}
    clf = {"achievement": 0.05, "plan": 0.9, "problem": 0.03, "other": 0.02}
    pooled = rules.combine(rule_scores, clf)
    assert max(pooled, key=pooled.get) == "plan"
    assert abs(sum(pooled.values()) - 1.0) < 1e-9
    # A label the classifier never learned gets a uniform share: it neither wins nor is vetoed.
    only_rules = rules.combine({**rule_scores, "responsibility": 5.0}, clf)
    assert max(only_rules, key=only_rules.get) == "responsibility"
    assert rules.combine(rule_scores, None) == rules.combine(rule_scores, None)
    assert max(rules.combine(rule_scores, None), key=rules.combine(rule_scores, None).get) == "achievement"


def test_combination_modes(nlp):
    rules = nlp.get_pipe("policy_sentence_rules")
    rule_scores = {"responsibility": 0.0, "achievement": 3.0, "problem": 0.0, "plan": 0.0, "other": 0.0}
    clf = {"achievement": 0.1, "plan": 0.8, "problem": 0.05, "other": 0.05}
    saved = rules.combination
    try:
        rules.combination = "rules"
        assert max(rules.combine(rule_scores, clf).items(), key=lambda kv: kv[1])[0] == "achievement"
        rules.combination = "classifier"
        assert max(rules.combine(rule_scores, clf).items(), key=lambda kv: kv[1])[0] == "plan"
    finally:
        rules.combination = saved


def rules_with_cues(tmp_path, edit):
    """A SentenceRules built from a copy of cues.json changed by ``edit`` (load_json's dict is
    shared, so it is never changed in place). load_json caches by path, so each call writes a file
    of its own."""
    import copy
    import json
    import tempfile

    from pipeline.components.sentence_rules import SentenceRules
    from pipeline.data_files import load_json

    cues = copy.deepcopy(load_json("cues.json"))
    edit(cues)
    path = Path(tempfile.mkdtemp(dir=tmp_path)) / "cues.json"
    path.write_text(json.dumps(cues, ensure_ascii=False), encoding="utf-8")
    return SentenceRules("t", cues=str(path), headings="headings.json")


def rules_alone_with(tmp_path, section, **settings):
    """The rule tagger alone (the classifier's vote off) with ``settings`` changed in one section of cues.json."""
    return rules_with_cues(tmp_path, lambda cues: (cues.update(combination="rules"), cues[section].update(settings)))


def labels_now(doc):
    return {s.text: s._.label for s in doc.spans["units"]}


def test_unknown_combination_is_a_coded_error(nlp, tmp_path):
    with pytest.raises(ValueError, match="combination"):
        rules_with_cues(tmp_path, lambda cues: cues.update(combination="average"))


def test_a_figure_under_a_task_heading_is_a_target(units_of):
    got = labels(units_of, "一、2023年工作回顾\n新建学校10所。\n二、2024年主要任务\n（一）扩大有效投资。实施重大项目600个。\n")
    assert got["新建学校10所。"] == "achievement"
    assert got["实施重大项目600个。"] == "plan"


def test_future_duties_are_plans(units_of):
    text = (
        "一、履行推进法治建设第一责任人职责情况\n局党组压实主体责任。\n"
        "二、2024年工作安排\n落实企业安全生产主体责任。\n（一）深化法治建设，把依法行政作为政府的履职准则。\n"
    )
    got = labels(units_of, text)
    assert got["局党组压实主体责任。"] == "responsibility"
    assert got["落实企业安全生产主体责任。"] == "plan"
    assert got["（一）深化法治建设，把依法行政作为政府的履职准则。"] == "plan"


def test_drafting_the_plan_outline_is_responsibility_under_a_task_heading(units_of):
    drafting = "根据省委的建议，省政府编制了《某省国民经济和社会发展第十五个五年规划纲要（草案）》，提请大会审查。"
    got = labels(units_of, "二、“十五五”时期主要目标任务\n" + drafting + "\n落实安全生产主体责任。\n")
    assert got[drafting] == "responsibility"
    assert got["落实安全生产主体责任。"] == "plan"  # the other responsibility cues stay suppressed


@pytest.mark.parametrize(
    "drafting",
    [
        "根据《建议》的精神，国务院认真听取各方面意见，制定了《国民经济和社会发展第十个五年计划纲要（草案）》。",
        "经过三年多的工作，第七个五年计划草案已制定完毕，现提请大会审议。",  # the draft named first
    ],
)
def test_older_ways_of_drafting_the_plan_outline_are_responsibility(units_of, drafting):
    assert labels(units_of, "二、今后五年的主要任务\n" + drafting + "\n")[drafting] == "responsibility"


@pytest.mark.parametrize(
    "text, section",
    [
        ("习近平总书记亲临考察，为我们发展指明了方向，全省上下倍受鼓舞。", "一、2025年工作回顾"),
        ("过去五年，是极不寻常、极不平凡的五年。", "一、2025年工作回顾"),
        ("我们坚信，全省人民一定能够创造新的更大辉煌。", "二、2026年重点工作"),
        ("让我们更加紧密地团结在党中央周围，奋力谱写现代化建设新篇章！", "二、2026年重点工作"),
        ("蓝图已经绘就，实干创造未来。", "二、2026年重点工作"),
        ("过去一年很不平凡。", "一、2025年工作回顾"),
        ("千淘万漉虽辛苦，吹尽狂沙始到金。", "一、2025年工作回顾"),  # a line of verse
        ("只要我们团结奋斗，就一定能创造新的业绩！", "二、2026年重点工作"),
        ("这些困难都是发展中的问题，是能够克服的。", "一、2025年工作回顾"),
        ("各位代表，新的征程已经开启，新的梦想催人奋进。", "二、2026年重点工作"),  # the closing address
        ("特别是习近平总书记亲临考察，为我们指明了方向。", "一、2025年工作回顾"),  # a lead-in before the attribution
        ("2021年5月习近平总书记到我省考察，作出重要指示。", "一、2025年工作回顾"),  # a date before the attribution
        ("党中央始终对我省工作高度重视、给予亲切关怀。", "一、2025年工作回顾"),
        ("我们要更加紧密地团结在以习近平同志为核心的党中央周围，努力完成全年目标任务！", "二、2026年重点工作"),
        ("回首来路，我们坚信，全省上下一定能把蓝图变成现实！", "二、2026年重点工作"),  # after a lead-in clause
        ("民营经济是推进现代化的重要力量。", "二、2026年重点工作"),  # a statement of principle
        ("从根本上说，推动发展要靠创新。", "二、2026年重点工作"),
        ("我省消费还有很大提升空间。", "二、2026年重点工作"),
        ("过去一年的成就来之不易。", "一、2025年工作回顾"),
        ("过去一年取得的成绩，是党中央统揽全局、科学决策的结果。", "一、2025年工作回顾"),
        ("这些成就，标志着我们迈出新的坚实步伐。", "一、2025年工作回顾"),
        ("城镇化是现代化的必由之路，是最大的内需潜力所在。", "二、2026年重点工作"),  # a maxim with a comma
        ("（来源：青海日报）", "二、2026年重点工作"),  # a news copy's page chrome inside the body
        ("青海日报记者 王某 摄", "二、2026年重点工作"),
        ("“十五五”新蓝图已经绘就，新征程就在脚下。", "二、2026年重点工作"),  # a rally line that names the future
        ("登高望远、放眼未来，建设美丽家园的美好愿景召唤着我们。", "二、2026年重点工作"),
        ("苦干实干创造历史，奋斗奋进成就未来。", "二、2026年重点工作"),  # 未来 here ends a slogan, not a plan
        ("这是全省长治久安的重要保证。", "二、2026年重点工作"),  # a statement of significance
        ("稳定就业，既是民生大事，也是扩大内需的基础。", "二、2026年重点工作"),
        ("维护地区和平稳定，符合各国人民的根本利益。", "二、2026年重点工作"),  # a shared interest
        ("开放合作是不可阻挡的时代潮流。", "二、2026年重点工作"),
    ],
)
def test_rhetoric_is_other_inside_review_and_task_sections(units_of, text, section):
    assert labels(units_of, f"{section}\n{text}\n")[text] == "other"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2025年是极不平凡的一年，我们完成投资1万亿元，新增就业56万人。", "achievement"),  # it goes on to report results
        ("加强财源建设，规范非税收入。", "plan"),  # a couplet of tasks is not a maxim
        ("推进产学研结合，培育创新型企业。", "plan"),  # nor is one of seven characters a clause
        ("今年是实施规划的开局之年。", "plan"),  # a year framed in a task section is no statement of principle
        ("全省粮食产量是历史最高水平，达到600亿斤。", "achievement"),  # a copula with a comma reports
        ("“十五五”时期是基本实现现代化夯实基础的关键时期。", "plan"),  # framing the coming period
    ],
)
def test_rhetoric_cues_leave_reports_and_tasks_alone(units_of, text, expected):
    section = "一、2025年工作回顾" if expected == "achievement" else "二、2026年重点工作"
    assert labels(units_of, f"{section}\n{text}\n")[text] == expected


@pytest.mark.parametrize("entry", [["是", 1.0, {"everywhere": True}], ["是"], ["是", 1.0, "x"]])
def test_malformed_cue_entry_is_a_coded_error(tmp_path, entry):
    with pytest.raises(ValueError, match="E008"):
        rules_with_cues(tmp_path, lambda cues: cues["cues"]["plan"].append(entry))


def test_a_cue_does_not_count_under_the_labels_it_lists(nlp):
    rules = nlp.get_pipe("policy_sentence_rules")
    past = "过去一年是大事要事难事集中交织的一年。"
    assert rules.cue_scores(past, "achievement")["other"] > rules.cue_scores(past, "plan")["other"]


def test_a_cue_counts_only_under_the_labels_it_lists(nlp):
    rules = nlp.get_pipe("policy_sentence_rules")
    last_year = "去年由于各方面的努力，人口出生率有所降低。"  # 去年 counts as a result only in a task section
    assert rules.cue_scores(last_year, "plan")["achievement"] > rules.cue_scores(last_year, None)["achievement"]


def test_a_glossary_entry_and_a_maxim_are_other(nlp):
    text = ("三、2026年重点工作\n（一）全力扩大内需。\n推进平安建设。\n大道至简，实干为要。\n"
            "1.“三通一码”：赣服通、赣政通、赣企通、赣通码。\n")
    doc = nlp(text)
    labels = {u.text: u._.label for u in doc.spans["units"]}
    assert labels["推进平安建设。"] == "plan"
    assert labels["大道至简，实干为要。"] == "other"
    assert labels["1.“三通一码”：赣服通、赣政通、赣企通、赣通码。"] == "other"


@pytest.mark.parametrize("text", [
    "［3］两新：",
    "“六通”指通水、通电、通路、通气、通网、通邮。",
    "“两重”是指国家重大战略实施和重点领域安全能力建设。",
    "指建好、管好、护好、运营好城市道路。",
    "是“高水平职业院校建设计划”的简称，旨在建设一批高水平学校。",
])
def test_a_glossary_definition_is_other_one_sentence_at_a_time(nlp, text):
    # Given alone, with no 名词解释 heading above it, a definition reads like a task to the classifier.
    doc = nlp(text)
    assert doc.spans["units"][0]._.label == "other"


@pytest.mark.parametrize("text", ["指导各地落实减税降费政策。", "“放管服”改革持续深化，营商环境不断优化。"])
def test_a_sentence_that_only_looks_like_a_definition_is_not_other(nlp, text):
    doc = nlp(text)
    assert doc.spans["units"][0]._.label != "other"


def test_a_two_part_heading_and_its_subsections_take_its_later_part(nlp):
    text = ("二、“十四五”时期发展成就和“十五五”时期主要目标任务\n过去五年，全区经济总量迈上新台阶。\n"
            "（一）大力发展人工智能，加快培育新质生产力。\n推进算力建设。\n")
    doc = nlp(text)
    # the heading introduces mostly the targets; its own paragraphs report the results
    assert [u._.label for u in doc.spans["units"]] == ["plan", "achievement", "plan", "plan"]


def test_the_process_of_drafting_the_plan_outline_is_responsibility(units_of):
    text = "二、“十五五”时期主要目标任务\n在规划编制过程中，我们坚持开门问策，广泛听取各方面意见。\n"
    assert labels(units_of, text)["在规划编制过程中，我们坚持开门问策，广泛听取各方面意见。"] == "responsibility"


@pytest.mark.parametrize("text", ["生态环境保护治理任重道远。", "有的干部缺乏担当精神。", "一些领域腐败问题仍然多发。"])
def test_gaps_in_the_problem_paragraph(units_of, text):
    review = "一、2025年工作回顾\n全年完成投资1万亿元。\n"
    gaps = "同时我们也清醒看到，发展中还存在一些困难和问题。科技创新能力还不强。"
    assert labels(units_of, review + gaps + text + "\n")[text] == "problem"


def test_an_untitled_top_level_section_after_the_review_is_a_task_section(units_of):
    text = (
        "一、1996年工作的回顾\n全年完成投资1万亿元。\n"
        "二、保持国民经济发展的良好势头\n加强农业基础地位，建立水利建设基金。\n"
    )
    got = labels(units_of, text)
    assert got["二、保持国民经济发展的良好势头"] == "plan"
    assert got["加强农业基础地位，建立水利建设基金。"] == "plan"


def test_under_a_heading_of_two_periods_the_later_period_turns_its_paragraphs(units_of):
    text = (
        "二、“十三五”时期发展成就和“十四五”时期主要目标任务\n"
        "“十三五”时期，经济实力跃上新台阶，完成投资50万亿元。\n"
        "“十四五”时期是开启新征程的第一个五年。\n"
        "建立扩大内需的有效制度，全面促进消费。\n"
    )
    got = labels(units_of, text)
    assert got["“十三五”时期，经济实力跃上新台阶，完成投资50万亿元。"] == "achievement"
    assert got["建立扩大内需的有效制度，全面促进消费。"] == "plan"


def test_the_pieces_of_a_sentence_broken_over_lines_share_its_label(units_of):
    text = (
        "二、“十四五”时期主要目标任务\n"
        "根据《\n中共中央关于制定国民经济和社会发展第十四个五年规划的建议\n》，国务院编制了《\n"
        "国民经济和社会发展第十四个五年规划纲要（草案）\n》，提请大会审查。\n"
    )
    pieces = [label for _, label, heading, _ in units_of(text) if not heading]
    assert len(pieces) == 5
    assert set(pieces) == {"responsibility"}


def test_a_closing_section_is_other(units_of):
    text = (
        "七、关于外交工作\n我们将继续奉行独立自主的和平外交政策。\n"
        "结束语\n各位代表！\n让我们在党中央领导下，把建设有中国特色社会主义事业全面推向二十一世纪！\n"
    )
    got = {t: (label, heading, section) for t, label, heading, section in units_of(text)}
    assert got["结束语"] == ("other", True, "结束语")  # a top-level heading, not a subsection of 七、
    assert got["各位代表！"][0] == "other"
    assert got["让我们在党中央领导下，把建设有中国特色社会主义事业全面推向二十一世纪！"][0] == "other"
    assert got["我们将继续奉行独立自主的和平外交政策。"][0] == "plan"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("过去一年，我国发展面临多重困难和严峻挑战。", "problem"),
        ("从国际看，世界经济复苏乏力，外部环境更加严峻。", "problem"),
        ("受全球贸易萎缩影响，进出口总额出现下降，预期增长目标未能实现。", "problem"),
        ("回顾过去一年，成绩来之不易。", "other"),
        ("这些成绩，是在极为复杂严峻的国际环境中取得的。", "other"),
        ("面对多重困难挑战，我们迎难而上，全年完成投资1万亿元。", "achievement"),  # difficulties met, then results
    ],
)
def test_how_a_review_frames_its_year(units_of, text, expected):
    assert labels(units_of, f"一、2025年工作回顾\n{text}\n")[text] == expected


def labels_with_the_rules_alone(nlp, text):
    """Unit text -> label with the classifier's vote switched off: the classifier alone gets many
    of these right, and these tests check the cues."""
    rules = nlp.get_pipe("policy_sentence_rules")
    saved = rules.combination
    try:
        rules.combination = "rules"
        doc = nlp(text)
    finally:
        rules.combination = saved
    return {s.text: s._.label for s in doc.spans["units"]}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("到2030年，常住人口城镇化率达到70%。", "plan"),
        ("“十五五”时期是基本实现现代化夯实基础的关键时期，也是全省高质量发展的关键五年。", "plan"),  # five years to come
        ("在此基础上再奋斗五年，到2035年基本建成现代化强省。", "plan"),
        ("《纲要（草案）》提出了“十五五”时期的主要目标，高质量发展取得显著成效，改革开放取得新突破。", "plan"),
        ("过去一年，国防和军队建设取得显著成效。", "achievement"),  # the year behind, even under a task heading
        ("这五年，全市经济实力迈上新台阶。", "achievement"),  # a retrospective that opens with the period
        ("过去的一年，极不寻常、很不容易。", "other"),  # characterises the year: no result
        ("当前，世界形势总体继续走向缓和。", "other"),  # an appraisal of the world, no task
        ("奋斗才能赢得未来。", "other"),  # a maxim
        ("产业兴则经济兴。", "other"),
        ("加快完善数据交易规则体系。", "plan"),  # 规则 is no 则 of a maxim
        ("补齐农村生活条件短板，整治饮水安全薄弱环节。", "plan"),  # a gap to close is a task
        ("坚决整治不规范收费行为。", "plan"),  # a task against a gap, not the gap
        ("提出这些目标，既体现积极进取的开局姿态，又保持稳妥审慎的务实基调，具备现实可行的支撑条件。", "plan"),
        ("这些指标的设置，充分考虑了发展的阶段性需要。", "plan"),
        ("推动解决群众反映比较突出的问题。", "plan"),
        ("我们的信心来源于全市人民的团结奋斗，来源于多年打下的坚实基础。", "other"),  # confidence
        ("我们坚信，全省的未来必将更加美好，各族群众在团结奋斗中共享发展成果。", "other"),
        ("展望今后五年，我们充满必胜信心。", "other"),
        ("深入贯彻习近平总书记考察本省重要讲话精神，加快建设现代化产业体系。", "plan"),
        ("（来源：青海日报）", "other"),  # a news copy's source line inside the body
        ("青海日报记者 王某 摄", "other"),  # a photo credit
        ("苦干实干创造历史，奋斗奋进成就未来。", "other"),  # a slogan outweighs its 未来 and the heading
        ("奋进正当其时，实干成就未来。", "other"),
        ("各族人民同心同德，为促进国家的繁荣昌盛作出了巨大贡献。", "achievement"),  # perfective 了 on a result
        ("各部门为治理整顿发布了一些文件，起了积极的作用。", "achievement"),
        ("目前部分企业确实面临不同程度的困难和问题。", "problem"),  # a gap inside a task section
        ("帮助企业解决生产经营中遇到的困难和问题。", "plan"),  # the task that meets it
        ("省委全会对我省未来五年经济社会发展作出了系统设计和战略谋划。", "other"),  # whose design, not a task
        ("请审议。", "other"),  # the closing procedural line
        ("提请审议地方性法规草案13件。", "plan"),  # submitting drafts is work
    ],
)
def test_cues_under_a_task_heading_with_the_rules_alone(nlp, text, expected):
    assert labels_with_the_rules_alone(nlp, f"二、“十五五”时期主要目标\n{text}\n")[text] == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("去年市场监管工作取得一定成效，但食品安全形势依然不容乐观。", "problem"),  # a result, then the gap
        ("全省经济保持较快增长，但城乡收入差距还在扩大。", "problem"),
        ("改革取得重大进展，但还有很长的路要走。", "achievement"),  # a road ahead is no gap
        ("全年粮食产量取得新突破，达到1000万吨。", "achievement"),
        ("结构性矛盾依然突出，转型升级进展较慢。", "problem"),  # a gap inside the review
        ("一些涉及群众切身利益的问题没有根本缓解。", "problem"),
        ("确定上述目标，坚持实事求是、科学可行、稳中有进的原则。", "plan"),  # frames the targets
        ("在关键时刻，习近平总书记再次亲临本省，专门听取开放平台建设工作汇报并发表重要讲话。", "other"),
        ("最有力的支持是，国家一揽子政策集成释放，区域协同战略接续带动。", "other"),  # what the results owe to
        ("在此，我代表省人民政府，向在各个岗位勤奋工作的全省人民，向驻省部队官兵，表示崇高的敬意和诚挚的感谢！", "other"),
        ("“十四五”规划设置的30项指标中，有3项指标未能如期完成。", "problem"),  # targets missed
        ("加快农业开放创新，建设未来农业产业园，农业科技进步贡献率67.5%。", "achievement"),  # 未来 names a park
        ("受多重因素影响，地区生产总值等2项指标不及预期。", "problem"),
        ("全年扭转多年未达预期的被动局面，经济增速明显回升。", "achievement"),  # the miss was turned round
        ("1月20日，某省第十四届人民代表大会第四次会议在省会开幕。", "other"),  # a news copy's lead
        ("省长王某作政府工作报告。", "other"),
        ("这些都是发展中、前进中的问题，只要我们迎难而上就一定能够克服。", "other"),  # reassurance, not a gap
    ],
)
def test_cues_under_a_review_heading_with_the_rules_alone(nlp, text, expected):
    assert labels_with_the_rules_alone(nlp, f"一、2025年工作回顾\n{text}\n")[text] == expected


def test_a_pledge_after_a_gap_takes_no_carry_with_the_rules_alone(nlp):
    gap = "近几年打击犯罪工作取得一定成效，但一些地方治安状况依然不好。"
    pledge = "对电信诈骗等犯罪活动，坚决依法严惩。"
    found = labels_with_the_rules_alone(nlp, f"二、2026年重点工作\n{gap}{pledge}\n")
    assert (found[gap], found[pledge]) == ("problem", "plan")


def test_weighing_the_results_opens_a_paragraph_of_gaps_with_the_rules_alone(nlp):
    opener = "肯定成绩的同时，我们也清醒认识到，经济发展中老问题、新挑战仍然不少。"
    gap = "市场预期偏弱，消费、投资后劲支撑不够，巩固经济回升向好基础面临压力；"
    found = labels_with_the_rules_alone(nlp, f"一、2025年工作回顾\n全年完成投资1万亿元。\n{opener}{gap}\n")
    assert (found[opener], found[gap]) == ("problem", "problem")  # the opener is sure enough to carry


def test_a_confident_classifier_adds_its_label_under_a_heading(nlp, tmp_path):
    rule_scores = {"responsibility": 0.0, "achievement": 2.3, "problem": 0.0, "plan": 0.0, "other": -0.5}
    sure = {"achievement": 0.08, "plan": 0.02, "problem": 0.88, "other": 0.02}
    unsure = {"achievement": 0.45, "plan": 0.05, "problem": 0.45, "other": 0.05}

    def winner(rules, clf, has_context):
        pooled = rules.combine(rule_scores, clf, has_context=has_context)
        return max(pooled, key=pooled.get)

    rules = nlp.get_pipe("policy_sentence_rules")
    assert winner(rules, sure, True) == "problem"
    assert winner(rules, unsure, True) == "achievement"
    off = rules_with_cues(tmp_path, lambda cues: cues.update(classifier_confident={}))
    assert winner(off, sure, True) == "achievement"  # without the bonus the section's label holds


def test_under_a_task_heading_the_classifier_cannot_vote_a_target_a_result(nlp, tmp_path):
    # 全省技术合同成交额达90亿元。 under a task heading: plan by the heading, a result by its wording
    rule_scores = {"responsibility": 0.0, "achievement": 1.1, "problem": 0.0, "plan": 2.0, "other": -0.5}
    result_like = {"achievement": 0.99, "plan": 0.01, "problem": 0.0, "other": 0.0}

    def winner(rules, context):
        pooled = rules.combine(rule_scores, result_like, has_context=True, caps=rules.caps(context))
        return max(pooled, key=pooled.get)

    rules = nlp.get_pipe("policy_sentence_rules")
    assert winner(rules, "plan") == "plan"
    off = rules_with_cues(tmp_path, lambda cues: cues.update(classifier_capped_under={}))
    assert winner(off, "plan") == "achievement"  # what the cap prevents
    review = {**rule_scores, "achievement": 2.0, "plan": 1.1}
    pooled = rules.combine(review, {"achievement": 0.01, "plan": 0.99, "problem": 0.0, "other": 0.0},
                           has_context=True, caps=rules.caps("achievement"))
    assert max(pooled, key=pooled.get) == "plan"  # the cap is for task headings only


def test_the_classifier_cannot_vote_a_carried_gap_a_result(nlp, tmp_path):
    # 资源环境约束趋紧，绿色转型任务较重。 in a review's paragraph of gaps: the review's label, the carry, a result-like vote
    rule_scores = {"responsibility": 0.0, "achievement": 2.3, "problem": 2.5 + 0.6, "plan": 0.0, "other": -0.5}
    result_like = {"achievement": 0.97, "plan": 0.01, "problem": 0.01, "other": 0.01}

    def winner(rules, carried):
        pooled = rules.combine(rule_scores, result_like, has_context=True,
                               caps=rules.caps("achievement", carried=carried))
        return max(pooled, key=pooled.get)

    rules = nlp.get_pipe("policy_sentence_rules")
    assert winner(rules, True) == "problem"
    assert winner(rules, False) == "achievement"  # not carried: the classifier's vote counts in full
    off = rules_with_cues(tmp_path, lambda cues: cues["paragraph_carry"].update(classifier_capped=[]))
    assert winner(off, True) == "achievement"


def test_the_classifier_cannot_vote_a_retrospectively_carried_result_a_task(nlp, tmp_path):
    # 同周边国家的睦邻友好关系进一步发展。 under a task heading, in a paragraph opened by 过去的一年，…
    rule_scores = {"responsibility": 0.0, "achievement": 0.3 + 3.0, "problem": 0.0, "plan": 2.0 + 0.7, "other": -0.5}
    task_like = {"achievement": 0.03, "plan": 0.95, "problem": 0.01, "other": 0.01}

    def winner(rules, retro_carried):
        pooled = rules.combine(rule_scores, task_like, has_context=True, caps=rules.caps("plan", retro_carried=retro_carried))
        return max(pooled, key=pooled.get)

    rules = nlp.get_pipe("policy_sentence_rules")
    assert winner(rules, True) == "achievement"
    assert winner(rules, False) == "plan"
    off = rules_with_cues(tmp_path, lambda cues: cues["retrospective_carry"].update(classifier_capped=[]))
    assert winner(off, True) == "plan"


def test_under_a_glossary_heading_the_classifier_cannot_vote_an_entry_a_task(nlp):
    # 将水、电、光、气网融入路网。 under 注释: other by the heading, a task by its wording
    rule_scores = {"responsibility": 0.0, "achievement": 0.3, "problem": 0.0, "plan": 0.4, "other": 1.5}
    task_like = {"achievement": 0.01, "plan": 0.9809, "problem": 0.009, "other": 0.0001}
    rules = nlp.get_pipe("policy_sentence_rules")
    pooled = rules.combine(rule_scores, task_like, has_context=True, caps=rules.caps("other"))
    assert max(pooled, key=pooled.get) == "other"  # responsibility's uniform share is capped too



def section_contexts(nlp, lines):
    """(text, context) per line, given as (text, heading level), from the tagger's SectionStack."""
    from pipeline.components.sections import SectionStack

    rules = nlp.get_pipe("policy_sentence_rules")
    stack = SectionStack(rules.sections, rules.subheading_overrides, rules.data["headings"].get("section_flow"))
    return {text: stack.enter(text, level)[1] for text, level in lines}


def test_the_lessons_a_review_announces_turn_the_rest_of_it_to_other(nlp):
    got = section_contexts(nlp, [
        ("一、1997年工作的回顾", 1), ("全年完成投资1万亿元。", 0), ("回顾五年的工作，我们有以下几点体会：", 0),
        ("坚持两手抓，两手都要硬。", 0), ("二、1998年的主要任务", 1), ("加强农业基础地位。", 0),
    ])
    assert got["全年完成投资1万亿元。"] == "achievement"
    assert got["回顾五年的工作，我们有以下几点体会："] == "other"
    assert got["坚持两手抓，两手都要硬。"] == "other"
    assert got["加强农业基础地位。"] == "plan"


def test_lessons_announced_after_the_experience_gained_turn_the_review_to_other(nlp):
    got = section_contexts(nlp, [
        ("一、1987年工作的回顾", 1),
        ("回顾过去五年的历程，我们获得了不少有益的经验，其中最值得在今后工作中认真吸取的有以下几点", 0),
        ("建设必须依靠改革。", 0),
    ])
    assert got["建设必须依靠改革。"] == "other"


def test_lessons_turn_an_untitled_first_section_but_not_a_task_section(nlp):
    untitled = section_contexts(nlp, [
        ("一、关于过去五年的政府工作", 1), ("各位代表！回顾过去五年，我们有以下几点体会：", 0), ("坚持两手抓。", 0),
    ])
    assert untitled["坚持两手抓。"] == "other"
    tasks = section_contexts(nlp, [
        ("三、2026年重点工作", 1), ("做好今年工作，要把握住以下几点要点：", 0), ("坚持稳中求进。", 0),
    ])
    assert tasks["坚持稳中求进。"] == "plan"


def test_the_notes_after_a_report_are_other(units_of):
    text = (
        "四、加强政府自身建设\n推进依法行政，建设法治政府。\n注释\n"
        "［1］两库：\n水库、粮库。\n"
    )
    got = labels(units_of, text)
    assert got["推进依法行政，建设法治政府。"] == "plan"
    notes = ("注释", "［1］两库：", "水库、粮库。")
    assert {got[t] for t in notes} == {"other"}


@pytest.mark.parametrize(
    "text",
    ["１９９１年是我国执行“八五”计划的第一年，也是继续进行治理整顿的第三年。",
     "我们取得的一切成就从根本上说都是由于贯彻执行了党的基本路线。"],
)
def test_a_review_characterising_its_year_or_its_results_is_other(units_of, text):
    assert labels(units_of, f"一、1991年工作的回顾\n全年完成投资1万亿元。\n{text}\n")[text] == "other"


def test_a_glossary_title_is_top_level_so_its_numbered_entries_stay_inside(units_of):
    text = "四、加强政府自身建设\n推进依法行政。\n名词解释\n1.“两库”：\n指水库、粮库。\n"
    got = {t: (label, section) for t, label, _, section in units_of(text)}
    assert got["名词解释"] == ("other", "名词解释")
    assert got["1.“两库”："][1] == "名词解释 > 1.“两库”："
    assert got["指水库、粮库。"][0] == "other"


@pytest.mark.parametrize(
    "text, expected",
    [("去年由于各方面的努力，人口出生率有所降低。", "achievement"),
     ("经过海峡两岸人民的共同努力，去年两岸关系发生了新的变化。", "achievement"),
     ("争取经过几年努力，取得明显成效。", "plan"),
     ("通过持续不断的努力，尽快扭转收入分配差距扩大趋势。", "plan")],
)
def test_a_result_reached_through_effort_in_a_task_section(units_of, text, expected):
    assert labels(units_of, f"二、今年的主要任务\n{text}\n")[text] == expected


def test_a_carried_gap_carries_on_in_a_review_but_not_in_a_task_section(nlp, tmp_path):
    def tagger(**carry):
        return rules_alone_with(tmp_path, "paragraph_carry", **carry)

    review = nlp(
        "一、2025年工作回顾\n全年完成投资1万亿元。\n"
        "我们清醒地看到，经济生活中还存在不少矛盾和问题。经济结构的矛盾突出。一些地方治安状况不好。\n"
    )
    tasks = nlp("一、2026年主要任务\n（一）建设和美乡村。整治饮水安全薄弱环节，解决生活条件短板问题。办好乡村文体活动。推进移风易俗。\n")

    def label_of(doc, text):
        return next(s._.label for s in doc.spans["units"] if s.text == text)

    chained = tagger(chain=True, chain_not_under=["plan"])
    chained(review)
    chained(tasks)
    assert label_of(review, "一些地方治安状况不好。") == "problem"  # third in the list: carried by a carried unit
    assert label_of(tasks, "推进移风易俗。") == "plan"
    tagger(chain=True, chain_not_under=[])(tasks)
    assert label_of(tasks, "推进移风易俗。") == "problem"  # what chain_not_under prevents
    tagger(chain=False)(review)
    assert label_of(review, "一些地方治安状况不好。") == "achievement"
    nlp.get_pipe("policy_sentence_rules")(review)  # leave the docs as the pipeline labels them


def test_a_list_of_gaps_carries_into_its_list_leads(nlp, tmp_path):
    def tagger(lists):
        return rules_alone_with(tmp_path, "paragraph_carry", lists=lists)

    doc = nlp(
        "一、2025年工作回顾\n全年完成投资1万亿元。\n"
        "也要清醒地看到，我们正面临前所未有的困难和挑战。一是外部需求萎缩，不确定因素增多。\n"
        "二是部分企业经营困难，下岗人员增多。\n"
    )

    tagger(True)(doc)
    got = labels_now(doc)
    assert got["一是外部需求萎缩，不确定因素增多。"] == "problem"  # a list lead inside the paragraph of the gaps
    assert got["二是部分企业经营困难，下岗人员增多。"] == "problem"  # the next lead of the same list
    tagger(False)(doc)
    assert labels_now(doc)["二是部分企业经营困难，下岗人员增多。"] == "achievement"
    nlp.get_pipe("policy_sentence_rules")(doc)
    sections = nlp("一、2022年工作情况\n开展培训。\n二、存在的问题\n队伍结构不合理。\n三、关于机构设置\n设立工作专班。\n")
    tagger(True)(sections)  # a section that sets its label is no list lead: it carries nothing to the next
    assert labels_now(sections)["三、关于机构设置"] != "problem"


def test_an_appraisal_of_the_world_that_names_a_difficulty_is_not_rhetoric(nlp):
    rules = nlp.get_pipe("policy_sentence_rules")
    assert rules.cue_scores("当前，世界形势总体继续走向缓和。", None)["other"] > rules.bias["other"]
    assert rules.cue_scores("当前国际形势错综复杂，贸易保护主义加剧。", None)["other"] == rules.bias["other"]


@pytest.mark.parametrize(
    "heading, expected",
    [
        ("三、存在的短板和差距", "problem"),
        ("（二）差距和不足", "problem"),
        ("二是全力缩小城乡差距，推动城乡共同富裕。", None),  # a task: closing the gap
        ("四、补齐民生短板", None),
    ],
)
def test_a_heading_names_a_gap_unless_it_sets_out_to_close_it(nlp, heading, expected):
    from pipeline.components.sections import SectionStack

    sections = nlp.get_pipe("policy_sentence_rules").sections  # headings.json, compiled
    assert SectionStack(sections, ()).heading_labels(heading)[0] == expected


@pytest.mark.parametrize(
    "heading, expected",
    [
        ("一、关于过去五年的政府工作", "achievement"),
        ("六五计划前两年的执行情况", "achievement"),  # 执行情况 before 计划
        ("一、１９５５年国家决算", "achievement"),
        ("二、关于1 9 9 8 年政府工作的建议", "plan"),  # a year spelled with spaces
        ("二、对今年政府工作的建议", "plan"),
        ("二、2009年工作总体部署", "plan"),
        ("三、我们在文化教育战线上的任务", "plan"),
        ("二、１９５６年的国家预算", "plan"),
        ("二、保持国民经济发展的良好势头", None),  # names no kind of content: the flow decides
    ],
)
def test_the_headings_of_older_reports_name_their_section(nlp, heading, expected):
    from pipeline.components.sections import SectionStack

    sections = nlp.get_pipe("policy_sentence_rules").sections
    assert SectionStack(sections, ()).heading_labels(heading)[0] == expected


def test_a_paragraph_that_opens_with_the_period_behind_goes_on_reporting_it(nlp, tmp_path):
    def tagger(**carry):
        return rules_alone_with(tmp_path, "retrospective_carry", **carry)

    outline = nlp(
        "二、关于“十五五”规划纲要草案的说明\n"
        "这五年，综合经济实力再攀新高峰。全市生产总值从1万亿元增加到1.5万亿元。重点区域先行先试作用充分发挥。\n"
    )
    defence = nlp(
        "八、加强国防建设\n"
        "过去一年，国防和军队建设取得显著成效。新的一年，要全面加强练兵备战。加强全民国防教育。\n"
    )
    review = nlp("一、2025年工作回顾\n过去一年，经济稳中有进。同时也要清醒看到，发展中还存在不少困难和问题。\n")
    wish = nlp("二、2026年重点工作\n过去一年，外交工作取得积极成果，同周边国家关系进一步发展。我们愿意看到两国关系得到正常发展。\n")

    carrying = tagger()
    for doc in (outline, defence, review, wish):
        carrying(doc)
    assert labels_now(outline)["全市生产总值从1万亿元增加到1.5万亿元。"] == "achievement"
    assert labels_now(outline)["重点区域先行先试作用充分发挥。"] == "achievement"  # carried by a carried unit
    assert labels_now(defence)["新的一年，要全面加强练兵备战。"] == "plan"  # the plan ends the carry
    assert labels_now(defence)["加强全民国防教育。"] == "plan"
    assert labels_now(review)["同时也要清醒看到，发展中还存在不少困难和问题。"] == "problem"  # a gap ends it too
    assert labels_now(wish)["我们愿意看到两国关系得到正常发展。"] == "plan"  # a wish takes no carry
    tagger(weight=0.0)(outline)
    assert labels_now(outline)["重点区域先行先试作用充分发挥。"] == "plan"  # what the carry changes
    tagger(stop="")(wish)
    assert labels_now(wish)["我们愿意看到两国关系得到正常发展。"] == "achievement"  # what the stop prevents
    for doc in (outline, wish):
        nlp.get_pipe("policy_sentence_rules")(doc)


def test_a_task_section_sentence_dated_in_the_year_under_review_or_before_is_a_result(nlp, tmp_path):
    report = nlp(
        "一、１９９６年国内工作的回顾\n１９９６年国民经济继续快速增长。\n"
        "二、今年的主要任务\n"
        "１９８４年中英两国政府正式签署联合声明。１９９６年１月成立香港特别行政区筹委会。"
        "１９９７年要继续加强农业。2009年到期的就业扶持政策延长一年。\n"
    )
    undated = nlp("二、今年的主要任务\n１９８４年中英两国政府正式签署联合声明。\n")  # no year under review
    dated = rules_alone_with(tmp_path, "dated_past")
    for doc in (report, undated):
        dated(doc)
    got = labels_now(report)
    assert got["１９８４年中英两国政府正式签署联合声明。"] == "achievement"
    assert got["１９９６年１月成立香港特别行政区筹委会。"] == "achievement"  # the year under review itself
    assert got["１９９７年要继续加强农业。"] == "plan"  # the coming year
    assert got["2009年到期的就业扶持政策延长一年。"] == "plan"  # a year that dates what it qualifies
    assert labels_now(undated)["１９８４年中英两国政府正式签署联合声明。"] == "plan"
    rules_alone_with(tmp_path, "dated_past", weight=0.0)(report)
    assert labels_now(report)["１９８４年中英两国政府正式签署联合声明。"] == "plan"  # what the rule changes


def test_dated_past_needs_a_year_group(tmp_path):
    with pytest.raises(ValueError, match="E008.*year"):
        rules_with_cues(tmp_path, lambda cues: cues["dated_past"].update(opener="^[0-9]{4}年"))


def test_a_classifier_vote_alone_starts_no_paragraph_carry(units_of, nlp, monkeypatch):
    # the classifier sure of a gap in a review's first sentence tips it to problem; the sentence
    # after it, on which the classifier has no view, keeps the review's label: the carry starts
    # only where the rules themselves see a gap
    import numpy as np

    first, second, third = "全省经济运行总体平稳。", "城乡居民收入稳步提高。", "生态环境持续改善。"

    class Stub:
        classes_ = np.array(["achievement", "other", "plan", "problem"])

        def predict_proba(self, batch):
            sure_gap, no_view = [0.001, 0.001, 0.001, 0.997], [0.25, 0.25, 0.25, 0.25]
            return np.array([sure_gap if "".join(tokens) == first else no_view for tokens in batch])

    monkeypatch.setattr(nlp.get_pipe("policy_sentence_classifier"), "estimator", Stub())
    got = labels(units_of, f"一、2025年工作回顾\n{first}{second}{third}\n")
    assert got[first] == "problem"  # classifier_confident under a heading
    assert (got[second], got[third]) == ("achievement", "achievement")  # were problem, problem by the chain


def test_a_gap_list_hung_off_an_open_lead_in_carries_across_its_lines(units_of, nlp, monkeypatch):
    # the Wikisource State Council reports put each list lead of a paragraph on a line of its own
    # (1997: …面临不同程度的困难和问题。主要原因， | 一是 | 企业管理体制…不适应…。 | 二是 | …): the gaps go on
    # across the lines and under a task heading, and the lead-ins are not the classifier's to label
    import numpy as np

    class Stub:  # a classifier that reads every unit as a task
        classes_ = np.array(["achievement", "other", "plan", "problem"])

        def predict_proba(self, batch):
            return np.array([[0.05, 0.05, 0.85, 0.05]] * len(batch))

    monkeypatch.setattr(nlp.get_pipe("policy_sentence_classifier"), "estimator", Stub())
    got = labels(units_of, (
        "二、今年的主要任务\n"
        "国有企业改革是今年经济体制改革的重点。目前部分国有企业确实面临不同程度的困难和问题。主要原因，\n"
        "一是\n企业管理体制和经营机制不适应市场经济发展的要求。\n"
        "二是\n结构调整不适应市场需求的变化。\n"
        "这些问题是多年积累起来的。要继续推进现代企业制度试点。\n"
        "一是\n把债务逐步转为国家资本金。\n"
    ))
    assert got["主要原因，"] == "problem"
    assert got["企业管理体制和经营机制不适应市场经济发展的要求。"] == "problem"
    assert got["结构调整不适应市场需求的变化。"] == "problem"  # the next lead of the list: across lines, under tasks
    assert got["要继续推进现代企业制度试点。"] == "plan"
    assert got["把债务逐步转为国家资本金。"] == "plan"  # a later list is a list of its own


@pytest.mark.parametrize(
    "text, gap",
    [
        ("也有一些企业由于资源枯竭而难以为继。", True),  # gaps in the older reports' words
        ("现在多数产品供过于求，市场竞争日益激烈。", True),
        ("老工业基地历史包袱沉重，富余人员多。", True),
        ("对长期经营管理不善的企业，要进行改组。", False),  # the task that meets it
        ("逐步改变投资率偏高、消费率偏低的状况。", False),
        ("有力应对外部冲击、内需偏弱等困难挑战。", False),  # a result against it
        ("给敌对势力以沉重打击。", False),
        ("一二三产业比例不合理，固定资产投资总规模依然偏大。", True),
        ("清理消费领域不合理限制措施。", False),
        ("控制投资规模过大的地区的新开工项目。", False),
        ("我们在工作中还有不少缺点，面临的困难还很多。", True),  # the government's own shortcomings
        ("各级政府工作中存在不少缺点和不足。", True),
        ("努力克服工作中的各种缺点和错误。", False),
    ],
)
def test_the_words_of_a_gap_count_for_problem_unless_the_sentence_meets_it(nlp, text, gap):
    rules = nlp.get_pipe("policy_sentence_rules")
    assert (rules.cue_scores(text, None)["problem"] >= 1.6) is gap


@pytest.mark.parametrize(
    "text, duty",
    [
        ("局党组书记主持召开党组会议12次。", True),
        ("局理论学习中心组开展集体学习8次。", True),
        ("加强社区党组织领导下的居委会建设。", False),  # a party organisation is no party group
        ("高原医学研究中心组建运行。", False),  # 中心 + 组建
    ],
)
def test_party_group_cues_name_the_party_group_only(nlp, text, duty):
    rules = nlp.get_pipe("policy_sentence_rules")
    assert (rules.cue_scores(text, None)["responsibility"] > rules.bias["responsibility"]) is duty
