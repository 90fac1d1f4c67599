#!/usr/bin/env bash
# The whole suite: lint, types, pytest on SQLite, then the database tests on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
export YOLO_OFFLINE=true YOLO_AUTOINSTALL=false YOLO_CONFIG_DIR="$PWD/var/ultralytics"

echo "== ruff"
ruff check .
ruff format --check .
echo "== mypy"
mypy
echo "== import-linter"
lint-imports
echo "== pytest (SQLite)"
ZHILI_TEST_DB=sqlite pytest
echo "== pytest (PostgreSQL: the tests that touch the database)"
ZHILI_TEST_DB=postgres pytest -m db
