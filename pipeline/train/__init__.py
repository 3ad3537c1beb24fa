"""Training: weak supervision, the scikit-learn sentence classifier, spaCy textcat and ner."""
