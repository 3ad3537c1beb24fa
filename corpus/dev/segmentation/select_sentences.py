"""How the dev sentences were drawn (run from the repository root; prints one JSON line a sentence).

Per report: the body units (``pipeline.units.iter_units``) that end in 。, are 25–110 characters
long and are not a 一、/（一） heading; of these, 4 that contain an entry of the user dictionary as
it was before the choice (``user_dict.before.txt``) other than the generic five (新时代,
高质量发展, 营商环境, 十四五, 十五五), 2 that contain only generic entries, and 3 that contain no
entry, drawn with ``random.Random(2026)``. The sentences were then segmented by hand.
"""

import json
import random
import re
from pathlib import Path

from pipeline.units import iter_units

DOCS = ["prov2026-四川省", "prov2026-浙江省", "prov2026-贵州省", "statecouncil-2018"]
GENERIC = {"新时代", "高质量发展", "营商环境", "十四五", "十五五"}
HEADING = re.compile(r"^[一二三四五六七八九十]+、|^[（(][一二三四五六七八九十]+[)）]|^[，,]")

words = [w.strip() for w in Path("corpus/dev/segmentation/user_dict.before.txt").read_text(encoding="utf-8").splitlines()
         if w.strip()]
texts = {}
for path in sorted(Path("corpus/reports").glob("*.jsonl")):
    for line in path.open(encoding="utf-8"):
        record = json.loads(line)
        if record["doc_id"] in DOCS:
            texts[record["doc_id"]] = record["text"]
for doc in DOCS:
    text = texts[doc]
    units = [(a, b, text[a:b]) for a, b in iter_units(text)]
    body = [(i, a, b, s) for i, (a, b, s) in enumerate(units)
            if s.endswith("。") and 25 <= len(s) <= 110 and not HEADING.match(s)]

    def hits(s):
        return [w for w in words if w in s]

    legal = [u for u in body if any(w not in GENERIC for w in hits(u[3]))]
    generic = [u for u in body if hits(u[3]) and all(w in GENERIC for w in hits(u[3]))]
    none = [u for u in body if not hits(u[3])]
    rng = random.Random(2026)
    for i, a, b, s in sorted(rng.sample(legal, 4) + rng.sample(generic, 2) + rng.sample(none, 3)):
        print(json.dumps({"doc_id": doc, "unit": i, "start": a, "end": b, "text": s}, ensure_ascii=False))
