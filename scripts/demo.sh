#!/usr/bin/env bash
# Sets up everything that is missing, then writes the demo dataset to output/demo/ and checks it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/render-factory generate demo --out output/demo "$@"
.venv/bin/render-factory verify output/demo
if .venv/bin/render-factory preview --help >/dev/null 2>&1; then
  .venv/bin/render-factory preview output/demo --out output/demo-preview.html
  .venv/bin/render-factory report output/demo --out output/demo-report.html
fi
