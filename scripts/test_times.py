"""Where the suite's time goes: sums a pytest JUnit XML report by folder and by file, and, when
the fixture timing plugin wrote a JSON file beside it, by fixture set-up.

    ZHILI_FIXTURE_TIMES=var/fixtures.json pytest --junitxml=var/junit.xml -p tests.fixture_times
    .venv/bin/python scripts/test_times.py var/junit.xml [--fixtures var/fixtures*.json] [--top 30]
"""

from __future__ import annotations

import argparse
import json
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path


def _file_of(case: ET.Element) -> str:
    classname = case.get("classname", "")
    # "tests.kiosk.test_guides" or "tests.kiosk.test_guides.TestX": the module is the part that
    # names an existing file.
    parts = classname.split(".")
    for end in range(len(parts), 0, -1):
        candidate = Path(*parts[:end]).with_suffix(".py")
        if candidate.exists():
            return str(candidate)
    return classname.replace(".", "/") + ".py"


def summarise(junit: Path, top: int) -> None:
    per_file: dict[str, list[float]] = defaultdict(list)
    # Our own report, written by pytest on this machine.
    for case in ET.parse(junit).getroot().iter("testcase"):  # noqa: S314
        per_file[_file_of(case)].append(float(case.get("time", 0)))
    per_dir: dict[str, list[float]] = defaultdict(list)
    for name, times in per_file.items():
        folder = str(Path(name).parent)
        per_dir[folder].extend(times)
    total = sum(sum(t) for t in per_file.values())
    count = sum(len(t) for t in per_file.values())
    print(f"{junit}: {count} tests, {total:.0f} s in tests (set-up, call and teardown)")
    print(f"\n{'seconds':>8} {'share':>6} {'tests':>6}  folder")
    for folder, times in sorted(per_dir.items(), key=lambda kv: -sum(kv[1])):
        print(f"{sum(times):8.1f} {sum(times) / total:6.1%} {len(times):6d}  {folder}")
    print(f"\n{'seconds':>8} {'share':>6} {'tests':>6} {'each':>6}  file (top {top})")
    ranked = sorted(per_file.items(), key=lambda kv: -sum(kv[1]))[:top]
    for name, times in ranked:
        each = sum(times) / len(times)
        print(f"{sum(times):8.1f} {sum(times) / total:6.1%} {len(times):6d} {each:6.1f}  {name}")


def summarise_fixtures(paths: list[Path], top: int) -> None:
    records = [record for path in paths for record in json.loads(path.read_text())]
    per_fixture: dict[str, list[float]] = defaultdict(list)
    for record in records:
        per_fixture[f"{record['fixture']} ({record['scope']})"].append(record["seconds"])
    print(f"\n{'seconds':>8} {'setups':>6} {'each':>6}  fixture set-up (top {top})")
    ranked = sorted(per_fixture.items(), key=lambda kv: -sum(kv[1]))[:top]
    for name, times in ranked:
        print(f"{sum(times):8.1f} {len(times):6d} {sum(times) / len(times):6.2f}  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("junit", type=Path)
    parser.add_argument("--fixtures", type=Path, nargs="*", help="one file per xdist worker")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    summarise(args.junit, args.top)
    if args.fixtures:
        summarise_fixtures(args.fixtures, args.top)


if __name__ == "__main__":
    main()
