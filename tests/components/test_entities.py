import pytest


def quantities(nlp, text):
    return [(e.text, e._.value, e._.unit, e._.approx) for e in nlp(text).ents if e.label_ == "QUANTITY"]


def test_law_in_title_marks_without_the_marks(ents_of):
    assert ("法治政府建设实施纲要(2021-2025年)", "LAW") in ents_of("认真落实《法治政府建设实施纲要(2021-2025年)》总体部署。")


def test_law_nested_marks_are_kept(ents_of):
    assert ("关于贯彻〈条例〉的意见", "LAW") in ents_of("印发《关于贯彻〈条例〉的意见》。")


def test_unmarked_laws_but_not_inside_slogans(ents_of):
    assert ("宪法", "LAW") in ents_of("学习宪法、党章党规。")
    laws = [t for t, label in ents_of("依照宪法和基本法办事，按照香港特别行政区基本法和澳门基本法办事。") if label == "LAW"]
    assert laws == ["宪法", "基本法", "香港特别行政区基本法", "澳门基本法"]  # with the region the segmenter cuts off
    assert ("宪法", "LAW") not in ents_of("开展“宪法宣传周”活动。")


def test_nothing_else_inside_a_title(ents_of):
    ents = ents_of("起草《长治市潞州区2022年全面依法治区督察工作方案》。")
    assert ents == [("长治市潞州区2022年全面依法治区督察工作方案", "LAW")]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("受教育群众达13万余人。", ("13万余人", 130000, "人", "余")),
        ("建设十个司法所党员先锋岗。", ("十个", 10, "个", None)),
        ("通过率达90%以上。", ("90%以上", 90, "%", "以上")),
        ("提供法律意见52余件。", ("52余件", 52, "件", "余")),
        ("2705人次参加培训。", ("2705人次", 2705, "人次", None)),
        ("全年提高0.7个百分点。", ("0.7个百分点", 0.7, "百分点", None)),
        ("总额达到1.2万亿元。", ("1.2万亿元", 1.2e12, "元", None)),
        ("增长5.4%。", ("5.4%", 5.4, "%", None)),
        ("增长百分之十二点五。", ("百分之十二点五", 12.5, "%", None)),
        ("占百分之五十。", ("百分之五十", 50, "%", None)),
        ("下降百分之三点二左右。", ("百分之三点二左右", 3.2, "%", "左右")),
        ("下降百分之零点五。", ("百分之零点五", 0.5, "%", None)),
        ("千分之三。", ("千分之三", 3, "‰", None)),
        ("只占百分之一。", ("百分之一", 1, "%", None)),
        ("降低到百分之十三點四。", ("百分之十三點四", 13.4, "%", None)),
        ("投资三点五亿元。", ("三点五亿元", 3.5e8, "元", None)),
        ("粮食产量稳定在760亿斤以上。", ("760亿斤以上", 7.6e10, "斤", "以上")),
        ("惠及71.3万困难群众。", ("71.3万", 713000, "", None)),  # an amount needs no unit
        ("出口占全国1/4。", ("1/4", 25, "%", None)),  # a share
        ("PM2.5浓度降至31.3微克/立方米。", ("31.3微克/立方米", 31.3, "微克/立方米", None)),
        ("发生6.8级地震。", ("6.8级", 6.8, "级", None)),
        ("深化市区两级协调改革。", ("两级", 2, "级", None)),
        ("一年来，我们迎难而上。", ("一年", 1, "年", None)),  # a duration, not the article
        ("2025年是很不平凡的一年。", ("一年", 1, "年", None)),  # as the work-report golds tag it
        ("发射卫星137颗。", ("137颗", 137, "颗", None)),
        ("更新渔船952艘。", ("952艘", 952, "艘", None)),
        ("增加产值5100多亿元。", ("5100多亿元", 5.1e11, "元", "多")),  # 5100 | 多 | 亿 | 元
        ("新增5000余万元。", ("5000余万元", 5e7, "元", "余")),
        ("减税降费超万亿元。", ("万亿元", 1e12, "元", None)),
        ("连续24个月保持两位数增长。", ("24个月", 24, "个月", None)),  # months, not 24个
        ("低保标准提高到842元/月。", ("842元/月", 842, "元/月", None)),  # a rate keeps its denominator
        ("新增产能3095万吨/年。", ("3095万吨/年", 3.095e7, "吨/年", None)),
        ("外送电量超过1000亿度。", ("1000亿度", 1e11, "度", None)),
        ("举办促消费活动500余场次。", ("500余场次", 500, "场次", "余")),
        ("累计缔结118对友城。", ("118对", 118, "对", None)),
        ("1000多万高中毕业生顺利完成高考。", ("1000多万", 1e7, "", "多")),  # not 1000, 多万
        ("新筹集保障性租赁住房6957套（间）。", ("6957套（间）", 6957, "套(间)", None)),  # an alternative unit
        ("智能算力达到1.7万P。", ("1.7万P", 17000, "P", None)),
        ("推出40款新车型。", ("40款", 40, "款", None)),
        ("城乡居民收入比由2.9∶1缩小。", ("2.9∶1", 2.9, "∶1", None)),  # a ratio keeps its terms
        ("收入比缩小至2.50:1。", ("2.50:1", 2.5, "∶1", None)),  # number | : | number
        ("三次产业结构调整为8.3∶41.4∶50.3。", ("8.3∶41.4∶50.3", 8.3, "∶41.4∶50.3", None)),
        ("占全国4成。", ("4成", 4, "成", None)),
        ("稳定在八成左右。", ("八成左右", 8, "成", "左右")),
        ("转移支付项目减少三分之一。", ("三分之一", 33.3333, "%", None)),
        ("审批事项减少一半以上。", ("一半以上", 50, "%", "以上")),
        ("人均收入比上年翻一番。", ("一番", 1, "番", None)),  # 一 counts here, it is no article
        ("财政资金比上年增长一倍。", ("一倍", 1, "倍", None)),
        ("惠及经营主体6.3万户次。", ("6.3万户次", 63000, "户次", None)),  # 6.3万 | 户 | 次
        ("供热标准提高到20℃。", ("20℃", 20, "°C", None)),  # the unit as NFKC reads ℃
        ("提高0.9个百分点以上。", ("0.9个百分点以上", 0.9, "百分点", "以上")),
        ("连续5个季度居全国前列。", ("5个季度", 5, "个季度", None)),
        ("近五年累计投入资金。", ("五年", 5, "年", None)),  # 近 is the latest here, not nearly
        ("建成森林防火隔离带1万公里。", ("1万公里", 10000, "公里", None)),  # pkuseg glues 隔离带1万
        ("改造120万平方米村内道路。", ("120万平方米", 1.2e6, "平方米", None)),  # 120万 | 平方米村
        ("农民人均纯收入达到１９００多元。", ("１９００多元", 1900, "元", "多")),  # １９００ | 多元
        ("开工750千伏定靖西线路。", ("750千伏", 750, "千伏", None)),  # 750千 | 伏定
        ("城乡收入比缩小至2.12。", ("2.12", 2.12, "∶1", None)),  # a ratio named without its sign
    ],
)
def test_quantities_are_normalised(nlp, text, expected):
    found = quantities(nlp, text)
    assert len(found) == 1
    surface, value, unit, approx = found[0]
    assert (surface, unit, approx) == (expected[0], expected[2], expected[3])
    assert value == pytest.approx(expected[1])


def test_range_is_one_span(nlp):
    found = quantities(nlp, "用3至5年时间完成。")
    assert [(f[0], f[1]) for f in found] == [("3至5年", 3)]


@pytest.mark.parametrize(
    "text",
    [
        "2022年,我局开展工作。",  # a year
        "召开第三次会议。",  # an ordinal
        "作为一项首要政治任务。",  # 一 + measure word as an article
        "落实调解“七进”活动。",  # a number inside a slogan
        "潞州司发〔2023〕1号",  # a document number
        "截至12月30日。",  # a date
        "一九五二年，国民经济恢复。",  # a year in Chinese numerals
        "到二〇三五年基本实现。",  # a year with 〇
        "二○二三年工作。",  # a year with ○ (U+25CB) as zero
        "二零二三年工作。",  # a year with 零
        "一九五三年到一九五七年的计划。",  # a range of years
        "加快机场三期和引水二期工程。",  # phases
        "建成三级医院，疏浚二级航道。",  # grades
        "深入贯彻中央八项规定精神，应对世界百年变局。",  # set phrases
        "今年是关键一年。",  # 一 as the article
        "出台乡村富民产业发展20条措施和民营经济发展12条等政策举措。",  # names of packages of measures
        "落实省委十一届九次、十次全会精神。",  # ordinals of plenary sessions in a list
        "上午9:30开会，09:45:30发布。",  # times of day, not ratios
        "别有一番风味。",  # 番 counts only after 翻
        "建设千吨级航道和千亿元级产业集群。",  # classes
        "实现中华民族的百年梦想。",
        "［10］两个基地、两个枢纽：说明。",  # the head of a note names its term
        "合计5，其中2。收入比重2，收入比上年多。",  # bare numbers; 比重 and 比上年 name no ratio
    ],
)
def test_excluded_numbers(nlp, text):
    assert quantities(nlp, text) == []


def test_round_magnitudes_after_a_lead_are_amounts(ents_of):
    text = "吸引参赛队伍上万支，上亿群众喜迁新居，产值突破百亿，把万家忧乐放在心头，百万移民收入增长。"
    # 上万 and 上亿 lose their lead; 万家忧乐 (万 | 家: a count, as before) and 百万移民 have none to be an amount by
    assert [t for t, label in ents_of(text) if label == "QUANTITY"] == ["万支", "亿", "百亿", "万家"]


def test_tiers_of_government_are_counted_but_grades_are_not(ents_of):
    text = "完善省市县三级联动机制，实现五级全覆盖，建成三级医院，疏浚二级航道。"
    assert [t for t, label in ents_of(text) if label == "QUANTITY"] == ["三级", "五级"]


def test_ranges_of_percentages_and_class_sizes(nlp):
    found = quantities(nlp, "国内生产总值增长6.5%－7%，地区生产总值增长4.5-5%。")
    assert [(f[0], f[1], f[2]) for f in found] == [("6.5%－7%", 6.5, "%"), ("4.5-5%", 4.5, "%")]
    assert [e._.value_max for e in nlp("增长6.5%－7%。").ents] == [7]
    # with digits the size of a class is an amount (30万吨级泊位 → 30万吨), in round words it is not
    found = quantities(nlp, "建成30万吨级泊位和千吨级航道。")
    assert [f[0] for f in found] == ["30万吨"]


def test_bare_numbers_listed_before_a_quantity_share_its_unit(nlp):
    found = quantities(nlp, "覆盖率分别提高20.9、36.2、54个百分点，投资分别达到3、5和8万亿元。")
    assert [(f[0], f[1], f[2]) for f in found] == [
        ("20.9", 20.9, "百分点"), ("36.2", 36.2, "百分点"), ("54个百分点", 54, "百分点"),
        ("3", 3e12, "元"), ("5", 5e12, "元"), ("8万亿元", 8e12, "元"),
    ]
    # years listed before a year are dates, and a number after 第 is an ordinal
    assert [f[0] for f in quantities(nlp, "2024、2025年分别增长5%，排名第3、4位、第三、四名。")] == ["5%"]


def test_percentage_in_words_range_and_split_tokens(nlp):
    found = quantities(nlp, "提高百分之十到百分之十五。")
    assert [(f[0], f[1], f[2]) for f in found] == [("百分之十到百分之十五", 10, "%")]
    found = quantities(nlp, "增长目标定为百分之八至九。")
    assert [(f[0], f[1], f[2]) for f in found] == [("百分之八至九", 8, "%")]
    assert nlp("定为百分之八至九。").ents[0]._.value_max == 9
    doc = nlp("占百分之 十二点五。")  # 百分之 and its number as two tokens
    assert [(e._.value, e._.unit) for e in doc.ents if e.label_ == "QUANTITY"] == [(12.5, "%")]


def test_ordinals_of_congresses_and_plenary_sessions_are_not_quantities(ents_of):
    text = "深入贯彻党的二十届四中全会和十四届全国人大精神，成功举办3届博览会。"
    assert [t for t, label in ents_of(text) if label == "QUANTITY"] == ["3届"]


@pytest.mark.parametrize("text, expected", [
    ("每万人高价值发明专利拥有量达到20件。", ["20件"]),  # 万人 after 每 is the rate's denominator
    ("坚持四项基本原则，落实中央八项规定精神。", []),  # names
    ("三次产业结构进一步优化。", []),
    ("深化农村土地二轮延包试点。", []),
    ("完成了市十六届人大三次会议确定的目标任务，召开3次会议。", ["3次"]),  # a session, then a count
])
def test_names_and_rate_denominators_are_not_quantities(ents_of, text, expected):
    assert [t for t, label in ents_of(text) if label == "QUANTITY"] == expected


def test_durations_in_chinese_numerals_are_kept(nlp):
    found = quantities(nlp, "用五年时间，三十年来，一百年。")
    assert [(f[0], f[1], f[2]) for f in found] == [("五年", 5, "年"), ("三十年", 30, "年"), ("一百年", 100, "年")]


def test_org_keeps_administrative_prefix(ents_of):
    assert ("长治市潞州区司法局", "ORG") in ents_of("长治市潞州区司法局坚持依法行政。")


def test_org_short_forms_and_titles(ents_of):
    ents = ents_of("在区委、区政府的坚强领导和市司法局的指导下,司法局局长主持会议。")
    assert [t for t, label in ents if label == "ORG"] == ["区委", "区政府", "市司法局", "司法局"]
    # a national lab by its name; 国家实验室 alone is a class
    ents = ents_of("支持崖州湾国家实验室建设，组建首批国家实验室，发挥国家实验室作用。")
    assert [t for t, label in ents if label == "ORG"] == ["崖州湾国家实验室"]
    # the congress without its area, as the older State Council reports name it
    assert ("人民代表大会", "ORG") in ents_of("各级政府都要自觉接受同级人民代表大会及其常委会的监督。")
    # the Xinjiang reports' short form of 新疆生产建设兵团
    assert ("兵团", "ORG") in ents_of("全力支持兵团改革发展。")


def test_org_congress_and_cppcc_of_a_level(ents_of):
    # the closing formula of a work report's opening: one word each for pkuseg
    ents = ents_of("现在，我代表省人民政府，向大会报告工作，请予审议，并请省政协委员和列席人员提出意见。")
    assert [t for t, label in ents if label == "ORG"] == ["省人民政府", "省政协"]


@pytest.mark.parametrize(
    "text, org",
    [
        ("——2026年1月26日在河北省第十四届人民代表大会第四次会议上", "河北省第十四届人民代表大会"),
        ("——在西藏自治区第十二届人民代表大会第四次会议上", "西藏自治区第十二届人民代表大会"),
        ("宁夏回族自治区人民政府组织编制了规划纲要。", "宁夏回族自治区人民政府"),
    ],
)
def test_org_people_s_congress_of_a_term_and_autonomous_regions(ents_of, text, org):
    assert [t for t, label in ents_of(text) if label == "ORG"] == [org]


@pytest.mark.parametrize(
    "text, orgs",
    [
        ("依法接受人大及其常委会监督，自觉接受人民政协民主监督。", ["人大", "常委会", "人民政协"]),
        ("向驻豫人民解放军、武警部队官兵，向各民主党派、工商联、各人民团体表示感谢。", ["人民解放军", "武警部队", "工商联"]),
        ("现在，我代表江苏省人民政府向大会报告工作。", ["江苏省人民政府"]),
        ("2026年河北省政府工作报告", []),  # the report's genre, not the body
        ("北京举办国际会议，上海建设科技创新中心。", []),  # a region's name prefixes a body only
    ],
)
def test_org_bodies_of_the_work_report_formulas(ents_of, text, orgs):
    assert [t for t, label in ents_of(text) if label == "ORG"] == orgs


@pytest.mark.parametrize(
    "text, orgs",
    [
        ("培育了超聚变、中创智领等一批行业领军企业。", ["超聚变", "中创智领"]),
        ("支持牧原、宇通、华兰等龙头企业做大做强。", ["牧原", "宇通", "华兰"]),
        ("分别举办采煤、发电、冶炼、化工等企业。", []),  # sectors: no leading-firm phrase
        ("培育新兴产业、未来产业等一批龙头企业。", []),  # classes of firms, not firms
    ],
)
def test_firms_listed_before_a_leading_firm_phrase(ents_of, text, orgs):
    assert [t for t, label in ents_of(text) if label == "ORG"] == orgs


@pytest.mark.parametrize(
    "text, orgs",
    [
        # firms, exchanges and international bodies of known_names, also across the segmenter's cuts
        ("中国星网、中国中化总部落地，支持比亚迪扩产，北交所上市公司增加。", ["中国星网", "中国中化", "比亚迪", "北交所"]),
        ("塞罕坝荣获联合国“地球卫士奖”，办好亚太经合组织会议。", ["联合国", "亚太经合组织"]),
        # an institution's kind after a province, 中国 or an administrative prefix with a name
        ("支持西藏职业技术学院和河南博物院建设，加快中国农科院基地建设。", ["西藏职业技术学院", "河南博物院", "中国农科院"]),
        ("推动省产业技术研究院深度参与。", ["省产业技术研究院"]),
        ("支持西湖大学建设，拉萨师范高等专科学校成功升本。", ["西湖大学", "拉萨师范高等专科学校"]),  # a place starts it
        ("支持市县级医院和中外合作大学建设，建强燕赵系列实验室。", []),  # classes
        ("支持嵩山实验室、神农实验室建设。", ["嵩山实验室", "神农实验室"]),
        # a firm named by one word and its kind; a common word before the kind names none
        ("德邦证券、富泽人寿成功落户，推动银行扩大信贷，深化中小银行改革。", ["德邦证券", "富泽人寿"]),
        ("11户企业入选工信部名单，中铝、华能项目开工。", ["工信部", "中铝", "华能"]),
        # the segmenter's 组建省 is cut, so the area starts the name
        ("组建省外贸集团，自觉接受市政协民主监督。", ["省外贸集团", "市政协"]),
        ("今年是中国共产党成立105周年。", ["中国共产党"]),  # two words of the segmenter
        ("——2024年3月5日在第十四届全国人民代表大会第二次会议上", ["第十四届全国人民代表大会"]),  # the congress of a term
        ("全国人民代表大会常务委员会审议通过。", ["全国人民代表大会常务委员会"]),
        ("主动请市政协民主监督。", ["市政协"]),  # 请市 is cut: 请 | 市
        ("认真办好人大代表建议。", ["人大"]),  # 办 | 好 are no part of the name
        ("确保国家开好局。", []),
        # the state's own organs, which the segmenter cuts into two words (中央 | 政府, 海关 | 总署)
        ("今年中央政府投资总额9080亿元，由财政部代理发行。", ["中央政府", "财政部"]),
        ("最高法、海关总署等数据中心建成，获应急管理部表扬。", ["最高法", "海关总署", "应急管理部"]),
        ("加强人民武装警察部队建设，支持新疆生产建设兵团发展。", ["人民武装警察部队", "新疆生产建设兵团"]),
        ("推动教育部云南高等研究院建设。", ["教育部云南高等研究院"]),  # a longer name keeps its start
        ("作为安理会常任理事国，人民军队出色完成任务，通过国务院安委会评估。", ["安理会", "人民军队", "国务院安委会"]),
        ("中国人民解放军立下功勋，中国共产党和中国国民党商谈，恢复关贸总协定缔约国地位。",
         ["中国人民解放军", "中国共产党", "中国国民党", "关贸总协定"]),
        # classes and titles, not bodies
        ("建设高水平研究型大学，新建全国重点实验室，提升实验室运行质效。", []),
        ("获批国家医学中心和国家区域医疗中心，建设国家技术创新中心。", []),
        ("加快郑州国家中心城市建设。", []),
        ("紧紧围绕建设“三区一中心”战略定位，推进“一区两园”建设。", []),  # numbered slogans
        ("依托海口、三亚等5家市疾控中心建设区域疾控中心。", []),  # the segmenter's 5家市 is a count
        ("组建运行省政府参事室。", ["省政府参事室"]),
        # a known name that opens like a self reference (全省, 本局) is still a name
        ("三次参加全国人代会江苏代表团审议，全省上下倍受鼓舞。", ["全国人代会江苏代表团"]),
    ],
)
def test_orgs_named_by_gazetteer_and_institution_kind(ents_of, text, orgs):
    assert [t for t, label in ents_of(text) if label == "ORG"] == orgs


def test_an_institution_found_by_its_kind_yields_to_a_longer_model_span(nlp):
    from pipeline.components.entities import merge_spans

    doc = nlp.make_doc("四川大学华西医院西藏医院建成。")
    rule = doc.char_span(8, 12, label="ORG", alignment_mode="expand")  # 西藏医院
    model = doc.char_span(0, 12, label="ORG", alignment_mode="expand")
    inside = doc.char_span(8, 10, label="ORG", alignment_mode="expand")
    got = merge_spans([], [model], mode="prefix", model_labels=["ORG"], trusted_endings=("医院",), yielding=[rule])
    assert [s.text for s in got] == ["四川大学华西医院西藏医院"]
    got = merge_spans([], [inside], mode="prefix", model_labels=["ORG"], trusted_endings=("西藏",), yielding=[rule])
    assert [s.text for s in got] == [rule.text]


def test_a_list_of_bodies_is_not_one_org(nlp):
    rules = nlp.get_pipe("policy_entity_rules")
    doc = nlp.make_doc("引进招商、协会等力量。")
    assert rules._org("ORG", doc[1:4], []) is None  # 招商、协会 as a ner span would give it


def test_words_that_only_end_like_a_body_are_not_orgs(ents_of):
    ents = ents_of("自治区党委总揽全局，各地顾全大局，服务国家发展大局，推进债转股和跨省通办。")
    assert [t for t, label in ents if label == "ORG"] == ["自治区党委"]


def test_mass_organisations_in_a_list_of_lines_of_work_are_not_bodies(ents_of):
    ents = ents_of("老龄、工会、青少年、妇女儿童、红十字会等事业发展。支持工会、共青团、妇联更好发挥作用。")
    assert [t for t, label in ents if label == "ORG"] == ["工会", "共青团", "妇联"]


def test_an_academy_s_institute_is_one_org(ents_of):
    ents = ents_of("推动中国科学院工业人工智能研究所形成建制化能力。")
    assert [t for t, label in ents if label == "ORG"] == ["中国科学院工业人工智能研究所"]


def test_two_character_words_ending_in_hall_or_share_are_not_bodies(ents_of):
    ents = ents_of("打造非遗会客厅，政务服务大厅全面升级，建设国际通信业务出入口局。")
    assert [t for t, label in ents if label == "ORG"] == []


def test_org_generic_classes_and_self_references_are_not_orgs(ents_of):
    ents = ents_of("我局指导司法所、法律服务所和政府部门开展工作。")
    assert [t for t, label in ents if label == "ORG"] == []
    # classes the ner proposes by their institution word (集团, 商会, 协会) are no bodies either
    ents = ents_of("加强行业协会、商会等中介组织的建设，抓好大型企业和企业集团。")
    assert [t for t, label in ents if label == "ORG"] == []


def test_entities_never_overlap(nlp, seed_text):
    doc = nlp(seed_text)
    ends = [(e.start_char, e.end_char) for e in doc.ents]
    assert all(a[1] <= b[0] for a, b in zip(ends, ends[1:], strict=False))
    assert all(seed_text[e.start_char:e.end_char] == e.text for e in doc.ents)


def test_a_title_does_not_cross_a_line_break(nlp):
    doc = nlp("学习《民法典》。\n印发《\n工作\n方案》。")
    assert [(e.text, e.label_) for e in doc.ents if e.label_ == "LAW"] == [("民法典", "LAW")]


def test_entity_spans_never_start_or_end_with_whitespace(nlp):
    doc = nlp("根据《 中华人民共和国著作权法 》第五条,共 12 人。\n\n区司法局\n")
    assert doc.ents
    assert all(e.text == e.text.strip() for e in doc.ents)
    assert ("中华人民共和国著作权法", "LAW") in [(e.text, e.label_) for e in doc.ents]


@pytest.mark.parametrize(
    "title",
    ["柳柳州", "狼洞的外婆", "阵地", "人民日报", "孙子兵法", "政府工作报告"],
)
def test_titles_of_works_that_are_not_documents_are_not_law(ents_of, title):
    assert ents_of(f"推出《{title}》等作品。") == []


@pytest.mark.parametrize(
    "title",
    [
        "浙江省海洋经济高质量发展促进条例",
        "行政执法责任制度(试行)",
        "法治政府建设实施纲要(2021-2025)",
        "某市发展规划（2021—2025年）",
        "反分裂国家法（草案）",
        "农村人民公社工作条例（试行草案）",
        "纲要草案",
        "建议",
        "行政执法流程图",
        "巴黎协定",
        "中国制造2025",
        "关于进一步推动经济运行回升向好的若干政策措施",
    ],
)
def test_titles_of_documents_are_law(ents_of, title):
    assert (title, "LAW") in ents_of(f"根据《{title}》开展工作。")


def test_law_title_on_a_line_of_its_own(ents_of):
    # scraped pages put a long title on its own line between the marks: the entity is that line
    assert ents_of("根据《\n中华人民共和国著作权法\n》第五条") == [("中华人民共和国著作权法", "LAW")]
    assert ents_of("认真贯彻《\n行政复议法。\n全面推进工作。") == []


def test_prefix_merge_takes_only_the_models_left_extensions(nlp):
    from pipeline.components.entities import merge_spans

    doc = nlp.make_doc("陕西省人民政府与联合国教科文组织签署协议。")
    rule = doc.char_span(2, 7, label="ORG")  # 省人民政府
    extension = doc.char_span(0, 7, label="ORG")  # 陕西省人民政府
    addition = doc.char_span(8, 16, label="ORG", alignment_mode="expand")
    got = merge_spans([rule], [extension, addition], mode="prefix", model_labels=["ORG"])
    assert [s.text for s in got] == ["陕西省人民政府"]
    got = merge_spans([rule], [extension, addition], mode="extend", model_labels=["ORG"])
    assert [s.text for s in got] == ["陕西省人民政府", addition.text]


# The word tests are lexeme flags set right before matching (EntityRules._set_flags), and the
# QUANTITY patterns run only around their anchors (EntityRules._matches): checks that both give
# what matching every pattern on the whole document gives.

WORDS = ["长治市", "潞州区", "司法局", "开展", "培训", "2705", "人次", "，", "增长", "5.4", "%", "，",
         "近", "3", "至", "5", "家", "，", "学习", "宪法", "。"]
EXPECTED = [("长治市潞州区司法局", "ORG"), ("2705人次", "QUANTITY"), ("5.4%", "QUANTITY"),
            ("近3至5家", "QUANTITY"), ("宪法", "LAW")]


def _rules_pipeline(**config):
    import spacy

    import pipeline.components.entities  # noqa: F401  (registers the factory)

    nlp = spacy.blank("zh")
    return nlp, nlp.add_pipe("policy_entity_rules", config=config)


def _ents(nlp, rules):
    from spacy.tokens import Doc

    doc = rules(Doc(nlp.vocab, words=WORDS, spaces=[False] * len(WORDS)))
    return [(e.text, e.label_) for e in doc.ents]


def test_word_flags_hold_for_words_new_in_a_memory_zone():
    nlp, rules = _rules_pipeline()
    for _ in range(2):  # the lexemes are created anew in each zone, with no flags set
        with nlp.memory_zone():
            assert _ents(nlp, rules) == EXPECTED
    assert _ents(nlp, rules) == EXPECTED


def test_word_flags_skip_ids_registered_with_the_vocab_and_follow_each_components_rules(tmp_path):
    import srsly

    from pipeline.components.entities import _USER_FLAGS

    nlp, _ = _rules_pipeline()
    nlp.remove_pipe("policy_entity_rules")
    nlp.vocab.add_flag(lambda word: word == "培训", _USER_FLAGS[0])
    rules = nlp.add_pipe("policy_entity_rules")
    assert _USER_FLAGS[0] not in {flag for flag, _ in rules._word_tests}
    assert _ents(nlp, rules) == EXPECTED
    assert nlp.vocab["培训"].check_flag(_USER_FLAGS[0]) and not nlp.vocab["开展"].check_flag(_USER_FLAGS[0])

    # A second component on the same vocab with other rules, as a saved pipeline with edited
    # data reloads: flags are set per document, so each component sees its own rules.
    rules.to_disk(tmp_path)
    quantity = srsly.read_json(tmp_path / "quantity.json")
    quantity["unit"].remove("人次")
    srsly.write_json(tmp_path / "quantity.json", quantity)
    other = nlp.add_pipe("policy_entity_rules", name="other").from_disk(tmp_path)
    assert ("2705人次", "QUANTITY") not in _ents(nlp, other)
    assert _ents(nlp, rules) == EXPECTED


def test_quantities_matched_around_anchors_are_those_of_the_whole_document(nlp, seed_text):
    rules = nlp.get_pipe("policy_entity_rules")
    with nlp.memory_zone():
        doc = nlp.make_doc(seed_text)
        windowed = sorted(m for m in rules._matches(doc) if nlp.vocab.strings[m[0]] == "QUANTITY")
        whole = sorted(rules._quantity_matcher(doc))
    assert len(whole) > 50
    assert windowed == whole


def test_a_body_inside_a_title_word_is_tagged_and_units_stay_whole(nlp):
    text = "一、工作回顾\n向人大代表、政协委员表示感谢。\n二、下一步\n继续加强全国人大代表联络。"
    doc = nlp(text)
    assert [e.text for e in doc.ents if e.label_ == "ORG"] == ["人大", "政协", "全国人大"]
    units = doc.spans["units"]
    assert [u.text for u in units] == ["一、工作回顾", "向人大代表、政协委员表示感谢。", "二、下一步", "继续加强全国人大代表联络。"]
    assert [u._.label for u in units] == ["achievement", "achievement", "plan", "plan"]


def test_a_gazetteer_name_also_found_by_its_kind_does_not_yield_to_the_ner(nlp):
    rules = nlp.get_pipe("policy_entity_rules")
    doc = nlp.make_doc("中国农业银行提供贷款。")  # in known_names, and 中国 + 农业 + 银行 by kind
    overlapping = doc.char_span(2, 8, label="ORG", alignment_mode="expand")  # 农业银行提供…
    got = rules.combine(doc, [overlapping], mode="extend", model_labels=["ORG"])
    assert [s.text for s in got if s.label_ == "ORG"] == ["中国农业银行"]


def test_a_verb_the_ner_takes_along_before_a_rule_body_is_left_out(nlp):
    rules = nlp.get_pipe("policy_entity_rules")
    doc = rules.split_fused_words(nlp.make_doc("组建省外贸集团。"))  # 组建 | 省 | 外贸 | 集团
    along = doc.char_span(0, 7, label="ORG")
    got = rules.combine(doc, [along], mode="extend", model_labels=["ORG"])
    assert [s.text for s in got if s.label_ == "ORG"] == ["省外贸集团"]
    place = doc.char_span(2, 7, label="ORG")  # the body itself is the rule's span either way
    assert [s.text for s in rules.combine(doc, [place], mode="extend", model_labels=["ORG"])] == ["省外贸集团"]


@pytest.mark.parametrize(
    "text, orgs",
    [
        ("、国家农创中心和生物育种钟山实验室协同创新。", ["生物育种钟山实验室"]),  # the field it works on
        ("培育人工智能陕西实验室，推动成果转化。", ["人工智能陕西实验室"]),
        ("支持嵩山实验室、神农实验室建设。", ["嵩山实验室", "神农实验室"]),
        ("江西创新中心以及南昌实验室建设。", ["南昌实验室"]),  # 以及 joins two bodies
        ("促进诺和诺德、碧迪等重点外企扩大投资。", ["诺和诺德", "碧迪"]),  # a list before a kind of firm
    ],
)
def test_labs_with_their_field_and_firms_listed_before_their_kind(ents_of, text, orgs):
    assert [t for t, label in ents_of(text) if label == "ORG"] == orgs


@pytest.mark.parametrize(
    "text, orgs",
    [
        ("这是各级人大、政协监督的结果，省市县博物馆联动。", []),  # every level's bodies
        ("完成省博物馆改造，新晋中国工程院院士3名，在全国工商联评价中领先。", ["省博物馆", "中国工程院", "全国工商联"]),
    ],
)
def test_bodies_of_every_level_and_of_one_area(ents_of, text, orgs):
    assert [t for t, label in ents_of(text) if label == "ORG"] == orgs


def test_a_clause_the_ner_takes_along_before_a_rule_body_is_left_out(nlp):
    rules = nlp.get_pipe("policy_entity_rules")
    doc = nlp.make_doc("塞罕坝荣获联合国奖励。")  # 塞罕坝 | 荣获 | 联合国
    along = doc.char_span(0, 8, label="ORG", alignment_mode="expand")
    got = rules.combine(doc, [along], mode="extend", model_labels=["ORG"])
    assert [s.text for s in got if s.label_ == "ORG"] == ["联合国"]


def test_a_report_verb_the_ner_takes_along_before_a_rule_body_is_left_out(nlp):
    rules = nlp.get_pipe("policy_entity_rules")
    doc = nlp.make_doc("办结人大代表建议501件。")
    along = doc.char_span(0, 4, label="ORG", alignment_mode="expand")
    assert along.text == "办结人大"
    got = rules.combine(doc, [along], mode="prefix", model_labels=["ORG"])
    assert [s.text for s in got if s.label_ == "ORG"] == ["人大"]


def test_two_org_spans_with_nothing_between_are_one_name(nlp):
    from spacy.tokens import Span

    from pipeline.components.entities import _join_adjacent_orgs

    doc = nlp.make_doc("北京大学口腔医院三亚医院、省人民医院投入使用。")
    seat = doc.char_span(0, 8, label="ORG", alignment_mode="expand")
    branch = doc.char_span(8, 12, label="ORG", alignment_mode="expand")
    listed = doc.char_span(13, 18, label="ORG", alignment_mode="expand")
    got = _join_adjacent_orgs([branch, seat, listed])
    assert [(s.text, s.label_) for s in got] == [("北京大学口腔医院三亚医院", "ORG"), ("省人民医院", "ORG")]
    assert isinstance(got[0], Span)
