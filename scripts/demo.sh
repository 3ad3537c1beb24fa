#!/usr/bin/env bash
# The main job on the bundled report: tags every sentence and entity, prints a summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/policy-pipeline run corpus/raw/luzhou-2022.txt -o out/luzhou-2022.jsonl "$@"
