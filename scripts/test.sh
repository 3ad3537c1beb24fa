#!/usr/bin/env bash
# Lint and the whole test suite (set-up included).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check pipeline tests
exec .venv/bin/python -m pytest "$@"
