import pytest

from pipeline.tokenizer import split_digit_edges


@pytest.mark.parametrize("words, expected", [
    (["隔离带1万", "公里"], ["隔离带", "1万", "公里"]),  # a word glued to the number after it
    (["近30%"], ["近", "30%"]),
    (["堵乱点134", "处"], ["堵乱点", "134", "处"]),
    (["第3", "名"], ["第3", "名"]),  # an ordinal stays whole
    (["二0三五年"], ["二0三五年"]),  # a numeral before the digit is part of the number
    (["390万65"], ["390万65"]),
    (["PM2.5", "G20"], ["PM2.5", "G20"]),  # Latin letters before digits make a name
    (["2022年"], ["2022年"]),  # a digit before a character is no edge
])
def test_digit_edges(words, expected):
    assert split_digit_edges(words) == expected


def test_the_tokenizer_cuts_digit_edges_and_keeps_the_text(nlp):
    text = "建成森林防火隔离带1万公里，治理交通堵乱点134处。"
    doc = nlp.make_doc(text)
    assert doc.text == text
    assert "1万" in [t.text for t in doc] and "134" in [t.text for t in doc]
