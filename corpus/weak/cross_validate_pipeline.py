"""The pipeline on the hand-checked sample of work-report units, with the sentence classifier
cross-validated by report: for each of 3 folds of the 76 reports the classifier is trained on the
weak labels of the other reports, and the held-out reports run through the whole pipeline (document
mode) and unit by unit (context-free mode), under each way of combining rules and classifier.

Needs the weak units cached as JSONL in /tmp/wk/units_new.jsonl (one WeakUnit.__dict__ a line, see
sample_weak_labels.py for how they are made). Run from the repository root:
    .venv/bin/python corpus/weak/cross_validate_pipeline.py
"""
import csv
import json
from collections import Counter, defaultdict
from pathlib import Path

from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold

import pipeline
from pipeline.sklearn_classifier import SentenceClassifier
from pipeline.train.sentence import DEFAULT_PARAMS, trainable
from pipeline.train.weak import WeakUnit

rows = list(csv.DictReader(open("corpus/weak/checked_sample.tsv", encoding="utf-8"), delimiter="\t"))
texts = {}
for f in Path("corpus/reports").glob("*.jsonl"):
    for line in open(f, encoding="utf-8"):
        record = json.loads(line)
        texts[record["doc_id"]] = record["text"]
units = [WeakUnit(**json.loads(line)) for line in open("/tmp/wk/units_new.jsonl", encoding="utf-8")]
units = trainable(units)
docs = sorted(texts)
nlp = pipeline.load()
clf = nlp.get_pipe("policy_sentence_classifier")
tagger = nlp.get_pipe("policy_sentence_rules")
settings = {"rules": ("rules", None), "classifier": ("classifier", None)}
for w in (0.5, 1.0, 1.5, 2.0):
    settings[f"pooled_w{w}"] = ("pooled", w)
pred = defaultdict(dict)
folds = GroupKFold(3).split(docs, groups=docs)
for train_idx, test_idx in folds:
    train_docs = {docs[i] for i in train_idx}
    test_docs = {docs[i] for i in test_idx}
    tr = [u for u in units if u.doc_id in train_docs]
    clf.estimator = SentenceClassifier(**DEFAULT_PARAMS).fit([u.tokens for u in tr], [u.label for u in tr])
    for doc_id in sorted(test_docs):
        sample = [r for r in rows if r["doc_id"] == doc_id]
        if not sample:
            continue
        doc = nlp(texts[doc_id])
        for name, (comb, w) in settings.items():
            tagger.combination = comb
            if w is not None:
                tagger.classifier_weight[True] = w
            tagger(doc)
            for s in doc.spans["units"]:
                pred[name][(doc_id, s.start_char, s.end_char)] = s._.label
        for r in sample:
            d = nlp(texts[doc_id][int(r["start"]):int(r["end"])])
            for name, (comb, _) in settings.items():
                tagger.combination = comb
                tagger(d)
                pred["cf_" + name][(doc_id, int(r["start"]), int(r["end"]))] = d.spans["units"][0]._.label
        tagger.combination = "pooled"
        tagger.classifier_weight[True] = 0.5
gold = [r["checked_label"] for r in rows]
labels = sorted(set(gold))
for name in pred:
    p = [pred[name].get((r["doc_id"], int(r["start"]), int(r["end"])), "MISSING") for r in rows]
    print(f"{name:22s} acc {sum(a == b for a, b in zip(gold, p, strict=True)) / len(gold):.3f} macroF1 {f1_score(gold, p, labels=labels, average='macro', zero_division=0):.3f} missing {Counter(p)['MISSING']}")
