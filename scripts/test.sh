#!/usr/bin/env bash
# Lint and the whole test suite (set-up included): tests/ and, with nbmake, every notebooks/*.ipynb
# executed headless on the .venv kernel (a cell that raises fails the build). Arguments go to pytest,
# e.g. `bash scripts/test.sh -q -m "not slow" notebooks`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export JUPYTER_PREFER_ENV_PATH=1  # the .venv kernel "python3", not a user-wide one
.venv/bin/ruff check pipeline tests
exec .venv/bin/python -m pytest --nbmake --nbmake-timeout=600 "$@"
