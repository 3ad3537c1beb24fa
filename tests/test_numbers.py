import pytest

from pipeline.numbers import parse_number, to_halfwidth


@pytest.mark.parametrize(
    "text,value",
    [("十", 10), ("二十五", 25), ("一百零三", 103), ("三千万", 30_000_000), ("13万", 130_000),
     ("1.2万亿", 1.2e12), ("２７０５", 2705), ("两", 2), ("1,234", 1234), ("3.5亿", 3.5e8),
     ("二〇二三", 2023), ("二○二三", 2023), ("二零二三", 2023),
     ("十二点五", 12.5), ("零点五", 0.5), ("一百点零五", 100.05), ("三点五亿", 3.5e8), ("三點二", 3.2),
     ("万亿", 1e12), ("三万亿", 3e12), ("一亿二千万", 1.2e8)],
)
def test_parse_number(text, value):
    assert parse_number(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["许多", "点五", "三点", "一点一滴"])
def test_unparseable_is_none(text):
    assert parse_number(text) is None


def test_full_width_to_half_width():
    assert to_halfwidth("１２３％") == "123%"
