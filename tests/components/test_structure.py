import pytest

from pipeline.components.structure import StructureRules
from pipeline.data_files import load_json

HEADER = (
    "当前位置: 首页>长治市潞州区人民政府>公开目录\n"
    "字体大小:【大】 【中】 【小】\n"
    "| 索引号: 000014349/2023-05828 | |\n"
    "| 发文字号: 潞州司发〔2023〕1号 | 发文时间: 2023-02-01 |\n"
    "| 发文机关: 潞州区司法局 | 主题词: 2022年度 报告 |\n"
    "| 标题: 潞州区司法局关于2022年度法治政府建设情况的报告 | |\n"
)
BODY = (
    "2022年,我局法治政府建设取得积极成效,全年完成各项工作任务。\n"
    "一、主要举措和成效\n"
    "(一)加强学习。一是组织学习。局党组召开会议3次。\n"
    "1.开展培训。\n"
    "二、存在的问题\n"
    "队伍建设不足。\n"
)


def rules():
    return StructureRules(load_json("headings.json"), load_json("chrome.json"))


def test_heading_levels():
    r = rules()
    assert r.heading_level("一、总体情况") == 1
    assert r.heading_level("（二）加强学习") == 2
    assert r.heading_level("(三)加强学习。") == 2
    assert r.heading_level("1.开展培训。") == 3
    assert r.heading_level("1.2万亿元的投资") == 0
    assert r.heading_level("一是组织学习。") == 4
    assert r.heading_level("一年来,我们") == 0
    # a numeral list opening a sentence is not a heading
    assert r.heading_level("一、二、三产业增加值分别增长4.2%、5%、5.4%。") == 0
    assert r.heading_level("三、存在的问题") == 1


def test_metadata_is_parsed_and_header_is_other(nlp):
    doc = nlp(HEADER + BODY)
    assert doc._.meta["doc_number"] == "潞州司发〔2023〕1号"
    assert doc._.meta["date"] == "2023-02-01"
    assert doc._.meta["issuer"] == "潞州区司法局"
    assert doc._.meta["title"] == "潞州区司法局关于2022年度法治政府建设情况的报告"
    header_units = [s for s in doc.spans["units"] if s.end_char <= len(HEADER)]
    assert len(header_units) == 6
    assert all(s._.is_chrome and s._.label == "other" for s in header_units)


def test_section_paths_and_headings(nlp):
    doc = nlp(BODY)
    units = {s.text: s for s in doc.spans["units"]}
    assert units["局党组召开会议3次。"]._.section == "一、主要举措和成效 > (一)加强学习。 > 一是组织学习。"
    assert units["1.开展培训。"]._.heading_level == 3
    assert units["队伍建设不足。"]._.section == "二、存在的问题"
    assert not units["队伍建设不足。"]._.is_heading
    assert units["二、存在的问题"]._.is_heading


def test_sentences_are_the_units(nlp):
    doc = nlp(BODY)
    assert [s.text.strip() for s in doc.sents if s.text.strip()] == [s.text for s in doc.spans["units"]]


def test_provincial_page_chrome_is_other(nlp):
    text = "下载\n打印\n全屏\n【字号：\n加大\n还原\n减小\n】\n2026年某省政府工作报告\n来源：某日报\n时间：2026-02-09\n省长　王某\n各位代表：\n现在，我代表省人民政府，向大会报告工作，请予审议。\n"
    doc = nlp(text)
    labels = [(s.text, s._.label) for s in doc.spans["units"]]
    assert all(label == "other" for _, label in labels)
    assert doc._.meta["title"] == "2026年某省政府工作报告"


def test_page_footer_is_chrome(nlp):
    text = BODY + "分享到：\n【打印】【关闭】\n扫一扫在手机打开当前页\n主办单位：某某区人民政府办公室  晋ICP备05001234号\n"
    doc = nlp(text)
    units = {s.text: s for s in doc.spans["units"]}
    for footer in ("分享到：", "【打印】【关闭】", "扫一扫在手机打开当前页"):
        assert units[footer]._.is_chrome and units[footer]._.label == "other"
    assert not units["队伍建设不足。"]._.is_chrome
    # a body ending in a sentence keeps it
    body = nlp(BODY)
    assert not body.spans["units"][-1]._.is_chrome


@pytest.mark.parametrize("text", [
    "承办全国户外运动产业大会。",  # 承办 opens a result, not the footer's 承办单位：
    "推动更多“湘字号”文化精品出海。",  # a brand, not the font-size switch 【字号：
    "扩大中华老字号品牌影响力。",
])
def test_a_sentence_alone_is_not_mistaken_for_page_chrome(nlp, text):
    doc = nlp(text)
    assert not doc.spans["units"][0]._.is_chrome


@pytest.mark.parametrize("text", ["【字号：", "字体：大 中 小", "主办单位：某某区人民政府办公室", "承办：某某区大数据中心"])
def test_page_chrome_alone_is_chrome(nlp, text):
    doc = nlp(text)
    assert doc.spans["units"][0]._.is_chrome


def test_a_line_that_goes_on_with_an_open_sentence_is_no_heading(nlp):
    # Wikisource pages break lines at every link, inside sentences.
    text = (
        "一、过去一年工作回顾\n"
        "共建“一带一路”扎实推进。推动\n"
        "区域全面经济伙伴关系协定\n"
        "（RCEP）生效实施。\n"
        "存在的问题\n"
        "一些地方财政收支矛盾较大。\n"
    )
    doc = nlp(text)
    units = {s.text: s for s in doc.spans["units"]}
    fragment = units["区域全面经济伙伴关系协定"]
    assert not fragment._.is_heading
    assert fragment._.section == "一、过去一年工作回顾"
    # the three lines of the broken sentence are one paragraph
    assert units["推动"]._.paragraph == fragment._.paragraph == units["（RCEP）生效实施。"]._.paragraph
    assert units["一些地方财政收支矛盾较大。"]._.paragraph != fragment._.paragraph
    # after a closed sentence a short line without an end mark is still a heading
    assert units["存在的问题"]._.is_heading
    assert units["一些地方财政收支矛盾较大。"]._.section == "一、过去一年工作回顾 > 存在的问题"


def test_a_line_that_shows_nothing_is_chrome_and_does_not_part_a_sentence(nlp):
    # Some Wikisource pages put a line holding only a zero-width space inside a paragraph.
    text = "一、过去一年工作回顾\n我们坚持稳中求进。过去一年，在新\n\u200b\n冠肺炎疫情冲击下，经济恢复增长。\n"
    doc = nlp(text)
    units = doc.spans["units"]
    blank = next(s for s in units if s.text == "\u200b")
    assert blank._.is_chrome and blank._.label == "other"
    before, after = (next(s for s in units if s.text.startswith(p)) for p in ("过去一年，在新", "冠肺炎"))
    assert not after._.is_heading
    assert after._.paragraph == before._.paragraph
    assert before._.label == after._.label and before._.scores == after._.scores


def test_a_licence_notice_starts_the_page_footer(nlp):
    notice = "本作品是中华人民共和国的\n法律\n、\n法规\n，国家机关的决议。\nPublic domain\nfalse\n"
    doc = nlp(BODY + "\n\n" + notice)
    footer = [s for s in doc.spans["units"] if s.start_char >= len(BODY)]
    assert [s.text for s in footer][:3] == ["本作品是中华人民共和国的", "法律", "、"]
    assert all(s._.is_chrome and s._.label == "other" for s in footer)
    assert not any(s._.is_chrome for s in doc.spans["units"] if s.end_char <= len(BODY))


def test_a_line_that_breaks_off_at_an_opening_bracket_is_no_heading(nlp):
    text = "一、推进祖国统一\n我们坚持一国两制。\n根据两国政府签订的《\n关于某问题的联合声明\n》，平稳过渡。\n"
    doc = nlp(text)
    units = {s.text: s for s in doc.spans["units"]}
    assert not units["根据两国政府签订的《"]._.is_heading
    assert not units["关于某问题的联合声明"]._.is_heading
    assert units["》，平稳过渡。"]._.section == "一、推进祖国统一"


def test_an_unmarked_section_title_above_numbered_subsections_is_top_level(nlp):
    text = (
        "各位代表：\n过去五年的回顾\n五年来，国民经济稳定增长。\n"
        "今后五年的主要任务\n（一）关于经济建设\n大力提高经济效益。\n（二）关于经济体制改革\n改革计划体制。\n"
    )
    doc = nlp(text)
    units = {s.text: s for s in doc.spans["units"]}
    assert units["今后五年的主要任务"]._.heading_level == 1
    assert units["改革计划体制。"]._.section == "今后五年的主要任务 > （二）关于经济体制改革"
    assert units["改革计划体制。"]._.label == "plan"
    # once a marked heading is open, an unmarked line stays the lowest level
    marked = nlp("一、2025年工作回顾\n（一）稳增长\n主要做法\n全年完成投资1万亿元。\n")
    from pipeline.components.structure import UNMARKED_LEVEL

    assert [s._.heading_level for s in marked.spans["units"]][:3] == [1, 2, UNMARKED_LEVEL]


def test_a_numbered_list_of_measures_stays_inside_its_section(nlp):
    # 1985: 一、…； 二、…； 三、…。 lists measures under a section: list leads, not sections
    text = (
        "（二）关于经济体制改革\n今年价格改革的主要内容是：\n一、合理调整粮食购销价格；\n二、适当提高铁路短途运价；\n"
        "三、对重要生产资料实行最高限价。\n要加强物价管理。\n五、关于外交工作\n"
    )
    doc = nlp(text)
    units = {s.text: s for s in doc.spans["units"]}
    from pipeline.components.structure import LIST_ITEM_LEVEL

    items = ("一、合理调整粮食购销价格；", "三、对重要生产资料实行最高限价。")
    assert [units[t]._.heading_level for t in items] == [LIST_ITEM_LEVEL, LIST_ITEM_LEVEL]
    assert units["要加强物价管理。"]._.section == "（二）关于经济体制改革 > 三、对重要生产资料实行最高限价。"
    assert units["五、关于外交工作"]._.heading_level == 1  # a title after the list is a section again


def test_numbered_headings_inside_an_unmarked_part_are_its_sections(nlp):
    # 1988: the review is an unmarked title, and what it numbers (measures, then lessons) stays in it
    text = (
        "各位代表：\n过去五年的回顾\n五年来经济增长很快。\n一、继续坚持改革价格体系；\n二、加强物价管理。\n"
        "回顾过去五年的历程，我们获得了不少有益的经验，其中最值得在今后工作中认真吸取的有以下几点\n"
        "一、牢固树立建设要依靠改革的指导思想\n建设必须依靠改革，改革必须促进建设。\n"
        "今后五年的主要任务\n一、大力发展农业\n要加强农田水利建设。\n"
    )
    doc = nlp(text)
    units = {s.text: s for s in doc.spans["units"]}
    assert units["一、牢固树立建设要依靠改革的指导思想"]._.heading_level == 2
    assert units["二、加强物价管理。"]._.section == "过去五年的回顾 > 二、加强物价管理。"
    assert units["今后五年的主要任务"]._.heading_level == 1  # the next part closes the one before
    assert units["一、大力发展农业"]._.section == "今后五年的主要任务 > 一、大力发展农业"
    assert units["建设必须依靠改革，改革必须促进建设。"]._.label == "other"  # the review's lessons
    assert units["要加强农田水利建设。"]._.label == "plan"


def test_once_a_report_opens_an_unmarked_part_its_later_section_titles_open_parts_too(nlp):
    text = (
        "各位代表：\n第六个五年计划的基本任务\n一、关于工农业生产的发展速度\n工业总产值计划平均每年递增百分之四。\n"
        "二、关于财政的基本平衡\n保持财政收支的基本平衡。\n六五计划前两年的执行情况\n两年平均每年递增百分之五点五。\n"
        "全面实现六五计划的主要措施\n第一、坚决控制固定资产投资规模\n"
    )
    doc = nlp(text)
    units = {s.text: s for s in doc.spans["units"]}
    assert units["六五计划前两年的执行情况"]._.heading_level == 1
    assert units["两年平均每年递增百分之五点五。"]._.section == "六五计划前两年的执行情况"
    assert units["两年平均每年递增百分之五点五。"]._.label == "achievement"
    assert units["全面实现六五计划的主要措施"]._.heading_level == 1
