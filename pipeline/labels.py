"""The only place where sentence and entity labels are spelled."""

RESPONSIBILITY = "responsibility"
ACHIEVEMENT = "achievement"
PROBLEM = "problem"
PLAN = "plan"
OTHER = "other"

SENTENCE_LABELS: tuple[str, ...] = (RESPONSIBILITY, ACHIEVEMENT, PROBLEM, PLAN, OTHER)

ORG = "ORG"
LAW = "LAW"
QUANTITY = "QUANTITY"

ENTITY_LABELS: tuple[str, ...] = (ORG, LAW, QUANTITY)

# doc.spans key under which the structure component stores sentence units.
UNITS_KEY = "units"
