import pytest

from pipeline.units import doc_text, is_blank, iter_chunks, split_units, unit_tokens, units_tokens


def texts(text):
    return [text[a:b] for a, b in split_units(text)]


def test_full_and_half_width_end_marks():
    assert texts("一句。二句！三句？四句；五句;六句!七句?") == [
        "一句。", "二句！", "三句？", "四句；", "五句;", "六句!", "七句?",
    ]


def test_comma_and_colon_do_not_end_a_unit():
    assert texts("甲,乙,丙:丁。") == ["甲,乙,丙:丁。"]


def test_closing_quote_stays_with_the_unit():
    assert texts("他说：“好。”然后走了。") == ["他说：“好。”", "然后走了。"]


def test_line_break_ends_a_unit_and_whitespace_is_trimmed():
    assert texts("  一、总体情况 \n(一)加强学习。我局开展学习。\n\n") == [
        "一、总体情况", "(一)加强学习。", "我局开展学习。",
    ]


def test_every_non_space_char_is_in_exactly_one_unit():
    text = "当前位置: 首页>公开\n| 索引号: 1 | |\n一是甲。二是乙；丙\n"
    covered = [False] * len(text)
    for a, b in split_units(text):
        for i in range(a, b):
            assert not covered[i]
            covered[i] = True
    assert all(covered[i] or text[i].isspace() for i in range(len(text)))


def test_chunks_are_bounded_and_exact():
    text = "字" * 1234 + "，" + "词" * 50
    pieces = list(iter_chunks(text, 0, len(text), 500))
    assert all(b - a <= 500 for a, b in pieces)
    assert "".join(text[a:b] for a, b in pieces) == text


def test_doc_arrays_give_the_same_texts_and_tokens(nlp):
    doc = nlp("一、总体情况\n全年 新建学校10所。 We  built 3 schools ！\n\n二是加强监管😀；  ")
    units = list(doc.spans["units"])
    assert doc_text(doc) == doc.text and doc_text(doc) is doc_text(doc)
    spans = [*units, *doc.ents, doc[1:4], doc[-3:]]
    assert [doc_text(doc)[span.start_char : span.end_char] for span in spans] == [span.text for span in spans]
    assert units_tokens(doc, units) == [unit_tokens(span) for span in units]


@pytest.mark.parametrize("text", ["", "  ", "全年 新建学校10所。\r\n\t We  built 3 schools ！\n\n二是😀；  ", "\u3000\u3000各位代表！\n"])
def test_the_tokenizer_hands_over_the_text_it_cut(nlp, text):
    doc = nlp.make_doc(text)
    assert doc_text(doc) == doc.text == text


def test_a_text_of_white_space_and_format_characters_is_blank():
    assert is_blank("\u200b") and is_blank(" \ufeff\u200d\u3000")
    assert not is_blank("\u200b。") and not is_blank("一")
