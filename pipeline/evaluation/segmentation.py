"""Word segmentation scored against gold segmentations (spaCy's ``Scorer.score_tokenization``).

Corpora, each one sentence a line with words separated by whitespace:
- ``policy``: every ``<gold>/segmentation/*.seg.txt`` (the bundled report's gold segmentation, a
  TEST set: nothing is tuned on it);
- ``policy_dev``: every ``*.seg.txt`` of the dev folder, by default ``<gold>/../dev/segmentation``
  (sentences of other reports, segmented by hand to the same standard; the set the user
  dictionary was chosen on, see ``corpus/dev/segmentation/README.md``), skipped when absent.
  Dev and test are scored side by side, as separate corpora;
- ``pku``, ``msr``: the SIGHAN 2005 bakeoff test sets ``<name>_test_gold.utf8`` of a folder
  (default ``../shared/corpora/segmentation``), skipped when absent. Only the first
  ``--seg-lines`` lines of each are scored (default 500; 0 scores all), so a run stays short.
  The text segmented is the gold words joined, which is the ``<name>_test.utf8`` line without
  whitespace.

Segmenters: ``pkuseg`` (the pipeline's pkuseg model with only pkuseg's own dictionary),
``pkuseg+policy_dict`` (the same model with the policy user dictionary,
``pipeline/data/user_dict.txt``), ``pipeline`` (the evaluated pipeline's tokenizer, which also
cuts at unit ends and punctuation) and ``jieba`` (``jieba.lcut``, default dictionary and HMM).
Scores are precision, recall and F1 of word character spans, as in the SIGHAN scoring script.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from spacy.scorer import Scorer
from spacy.tokens import Doc
from spacy.training import Example
from spacy.vocab import Vocab

from ..language import POLICY_USER_DICT, user_dict_path
from .baselines import jieba_module

DEFAULT_SEG_DIR = Path("../shared/corpora/segmentation")
DEFAULT_SEG_LINES = 500
SIGHAN_SETS = ("pku", "msr")
POLICY_CORPUS = "policy"
DEV_CORPUS = "policy_dev"
TOP_MISSED = 20

Segmenter = Callable[[str], list[str]]


@dataclass
class SegCorpus:
    name: str
    sentences: list[list[str]]
    sources: list[str]
    lines: int | None = None  # the slice scored, None for all

    @property
    def words(self) -> int:
        return sum(map(len, self.sentences))


def read_segmented(path: str | Path, limit: int | None = None) -> list[list[str]]:
    """The first ``limit`` lines (all when None/0) as word lists; blank lines dropped."""
    with open(path, encoding="utf-8") as f:
        lines = islice(f, limit) if limit else f
        return [words for words in (line.split() for line in lines) if words]


def _folder_corpus(name: str, folder: Path) -> SegCorpus | None:
    files = sorted(folder.glob("*.seg.txt"))
    if not files:
        return None
    return SegCorpus(name, [s for f in files for s in read_segmented(f)], [str(f) for f in files])


def policy_corpus(gold_dir: str | Path) -> SegCorpus | None:
    return _folder_corpus(POLICY_CORPUS, Path(gold_dir) / "segmentation")


def default_dev_dir(gold_dir: str | Path) -> Path:
    """``<gold>/../dev/segmentation``: ``corpus/dev/segmentation`` for ``corpus/gold``."""
    return Path(gold_dir).parent / "dev" / "segmentation"


def dev_corpus(dev_dir: str | Path) -> SegCorpus | None:
    return _folder_corpus(DEV_CORPUS, Path(dev_dir))


def sighan_corpora(folder: str | Path | None, limit: int | None) -> list[SegCorpus]:
    if folder is None or not Path(folder).is_dir():
        return []
    out = []
    for name in SIGHAN_SETS:
        path = Path(folder) / f"{name}_test_gold.utf8"
        if path.is_file():
            out.append(SegCorpus(name, read_segmented(path, limit), [str(path)], limit or None))
    return out


def base_pkuseg(nlp):
    """The pipeline's pkuseg segmenter (or the default model) with an empty user dictionary."""
    import spacy_pkuseg

    seg = getattr(nlp.tokenizer, "pkuseg_seg", None)
    if seg is None:
        from ..models import ensure_pkuseg_model

        seg = spacy_pkuseg.pkuseg(str(ensure_pkuseg_model()))
    base = copy.copy(seg)  # shares the model, not the dictionary
    base.preprocesser = spacy_pkuseg.Preprocesser(None)
    return base


def segmenters(nlp) -> dict[str, Segmenter]:
    import spacy_pkuseg

    base = base_pkuseg(nlp)
    policy = copy.copy(base)
    policy.preprocesser = spacy_pkuseg.Preprocesser(user_dict_path(POLICY_USER_DICT))
    return {
        "pkuseg": base.cut,
        "pkuseg+policy_dict": policy.cut,
        "pipeline": lambda text: [t.text for t in nlp.make_doc(text) if not t.is_space],
        "jieba": lambda text: jieba_module().lcut(text),
    }


def _spans(words: list[str]) -> list[tuple[int, int]]:
    out, pos = [], 0
    for word in words:
        out.append((pos, pos + len(word)))
        pos += len(word)
    return out


def score_segmenter(cut: Segmenter, sentences: list[list[str]], vocab: Vocab | None = None) -> dict[str, Any]:
    """Token precision/recall/F1 (and spaCy's token_acc) of ``cut`` on gold word lists, with the
    gold words it most often failed to produce."""
    vocab = vocab or Vocab()
    examples = []
    missed: Counter[str] = Counter()
    for words in sentences:
        text = "".join(words)
        pred = [w for w in (w.strip() for w in cut(text)) if w]
        if "".join(pred) != text:
            raise ValueError(f"the segmenter changed the text: {text!r} → {''.join(pred)!r}")
        examples.append(Example(Doc(vocab, words=pred, spaces=[False] * len(pred)),
                                Doc(vocab, words=words, spaces=[False] * len(words))))
        found = set(_spans(pred))
        missed.update(w for w, span in zip(words, _spans(words), strict=True) if span not in found)
    scores = Scorer.score_tokenization(examples)
    return {
        "p": scores["token_p"],
        "r": scores["token_r"],
        "f": scores["token_f"],
        "token_acc": scores["token_acc"],
        "missed": missed.most_common(TOP_MISSED),
    }


def evaluate_segmentation(nlp, gold_dir: str | Path, seg_dir: str | Path | None,
                          seg_lines: int | None = DEFAULT_SEG_LINES,
                          dev_dir: str | Path | None = None) -> dict[str, Any]:
    """Every segmenter on the test gold (``policy``), the dev set (``policy_dev``, from ``dev_dir``,
    default ``<gold>/../dev/segmentation``) and the SIGHAN sets, each corpus scored separately."""
    dev_dir = Path(dev_dir) if dev_dir is not None else default_dev_dir(gold_dir)
    corpora = [c for c in [policy_corpus(gold_dir), dev_corpus(dev_dir)] if c] + sighan_corpora(seg_dir, seg_lines)
    skipped = []
    if not any(c.name == POLICY_CORPUS for c in corpora):
        skipped.append(f"{POLICY_CORPUS}: no {Path(gold_dir) / 'segmentation'}/*.seg.txt")
    if not any(c.name == DEV_CORPUS for c in corpora):
        skipped.append(f"{DEV_CORPUS}: no {dev_dir}/*.seg.txt")
    for name in SIGHAN_SETS:
        if not any(c.name == name for c in corpora):
            skipped.append(f"{name}: no {name}_test_gold.utf8 in {seg_dir}")
    cuts = segmenters(nlp) if corpora else {}
    vocab = Vocab()
    return {
        "segmenters": list(cuts),
        "corpora": {
            c.name: {
                "sources": c.sources,
                "lines": c.lines,
                "sentences": len(c.sentences),
                "words": c.words,
                "scores": {name: score_segmenter(cut, c.sentences, vocab) for name, cut in cuts.items()},
            }
            for c in corpora
        },
        "skipped": skipped,
    }
