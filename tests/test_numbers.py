import pytest

from pipeline.numbers import parse_number, to_halfwidth


@pytest.mark.parametrize(
    "text,value",
    [("十", 10), ("二十五", 25), ("一百零三", 103), ("三千万", 30_000_000), ("13万", 130_000),
     ("1.2万亿", 1.2e12), ("２７０５", 2705), ("两", 2), ("1,234", 1234), ("3.5亿", 3.5e8),
     ("二〇二三", 2023), ("二○二三", 2023), ("二零二三", 2023)],
)
def test_parse_number(text, value):
    assert parse_number(text) == pytest.approx(value)


def test_unparseable_is_none():
    assert parse_number("许多") is None


def test_full_width_to_half_width():
    assert to_halfwidth("１２３％") == "123%"
