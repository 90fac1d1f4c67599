#!/usr/bin/env bash
# The whole suite: ruff, then side by side mypy, import-linter, pytest on SQLite and pytest on
# PostgreSQL (the tests marked `pg`, see tests/conftest.py). Two cores, but most tests wait on a
# server, a window or a browser, so each pass runs several pytest-xdist workers (each with its own
# Kivy window, browser, launcher of live servers and databases); tests marked `pcsc` take turns on
# pcscd's virtual readers through a lock (tests/conftest.py).
# Prints the time each group took, then where the pytest time went (scripts/test_times.py).
#   ZHILI_TEST_WORKERS (default 3) and ZHILI_TEST_PG_WORKERS (default 2) set the worker counts.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
export YOLO_OFFLINE=true YOLO_AUTOINSTALL=false YOLO_CONFIG_DIR="$PWD/var/ultralytics"

sqlite_workers=${ZHILI_TEST_WORKERS:-3}
pg_workers=${ZHILI_TEST_PG_WORKERS:-2}
logs=var/test-logs
rm -rf "$logs"
mkdir -p "$logs"

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.0f", b - a }'; }
suite_start=$(now)

echo "== ruff"
start=$(now)
ruff check . && ruff format --check . || exit 1
echo "== ruff: $(since "$start") s"

# Settings files that the first import writes (Kivy's config under var/test-kivy, ultralytics'
# settings): written here once, not by several test processes at the same moment.
echo "== warm-up"
start=$(now)
python -c "import tests.kiosk.conftest, kivy; from backoffice.vision.yolo import yolo_class; yolo_class()" \
  >"$logs/warm-up.log" 2>&1 || { cat "$logs/warm-up.log"; exit 1; }
echo "== warm-up: $(since "$start") s"

declare -A group_of started
launch() {
  local name=$1
  shift
  started[$name]=$(now)
  "$@" >"$logs/$name.log" 2>&1 &
  group_of[$!]=$name
}

launch mypy mypy
launch import-linter lint-imports
launch "pytest SQLite" env ZHILI_TEST_DB=sqlite ZHILI_FIXTURE_TIMES="$logs/fixtures-sqlite.json" \
  python -m pytest -n "$sqlite_workers" --dist worksteal -p tests.fixture_times --junitxml="$logs/sqlite.xml"
launch "pytest PostgreSQL" env ZHILI_TEST_DB=postgres ZHILI_FIXTURE_TIMES="$logs/fixtures-postgres.json" \
  python -m pytest -m pg -n "$pg_workers" --dist worksteal -p tests.fixture_times --junitxml="$logs/postgres.xml"

failed=()
summary=()
while ((${#group_of[@]})); do
  status=0
  wait -n -p done_pid "${!group_of[@]}" || status=$?
  name=${group_of[$done_pid]}
  unset "group_of[$done_pid]"
  took=$(since "${started[$name]}")
  echo "== $name"
  cat "$logs/$name.log"
  echo "== $name: ${took} s (exit $status)"
  summary+=("$(printf '%-18s %5s s  exit %s' "$name" "$took" "$status")")
  ((status == 0)) || failed+=("$name")
done

for pass in sqlite postgres; do
  if [[ -f $logs/$pass.xml ]]; then
    echo "== where the time went: $pass (test time, all workers added up)"
    python scripts/test_times.py "$logs/$pass.xml" --top 12 \
      --fixtures "$logs"/fixtures-"$pass"*.json 2>/dev/null || true
  fi
done

echo "== times"
printf '%s\n' "${summary[@]}"
echo "total: $(since "$suite_start") s (ruff, warm-up, then the groups side by side)"
if ((${#failed[@]})); then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
