#!/usr/bin/env bash
# Creates or refreshes .venv and the models; a second run downloads nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  for candidate in python3.11 python3 python; do
    if command -v "$candidate" >/dev/null 2>&1; then PY="$candidate"; break; fi
  done
fi
[ -x .venv/bin/python ] || "$PY" -m venv .venv
EXTRAS="dev,notebooks"
stamp=".venv/.installed-$( (cat pyproject.toml; echo "$EXTRAS") | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[$EXTRAS]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
.venv/bin/policy-pipeline models >/dev/null
