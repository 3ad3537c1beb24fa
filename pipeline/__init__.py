"""policy-pipeline: a spaCy ``zh`` pipeline for Chinese policy reports.

>>> import pipeline
>>> nlp = pipeline.load()
>>> doc = nlp("2022年,共受理行政复议案件32件。")
>>> pipeline.to_record(doc, doc_id="demo")["sentences"][0]["label"]
'achievement'
"""

from .labels import ENTITY_LABELS, SENTENCE_LABELS
from .language import build, load
from .output import to_record

__version__ = "0.1.0"
__all__ = ["ENTITY_LABELS", "SENTENCE_LABELS", "build", "load", "to_record", "__version__"]
