#!/usr/bin/env bash
# Sets up everything that is missing (including test extras), then runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
exec .venv/bin/python -m pytest -n 2 "$@"
