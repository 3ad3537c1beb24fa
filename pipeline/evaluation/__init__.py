"""Scoring the pipeline against the gold: ``policy-pipeline evaluate``.

``alignment`` pairs gold and predicted spans by character overlap; ``metrics`` turns label pairs
into precision/recall/F1, accuracy and a confusion matrix; ``scorer`` scores spaCy ``Example``
objects (``nlp.evaluate``-compatible); ``baselines`` and ``segmentation`` measure references the
same way; ``runner`` puts it all together and ``report`` writes metrics.json, README.md and plots.
"""
