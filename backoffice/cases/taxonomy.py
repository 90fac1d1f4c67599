"""The coded case taxonomy (categories and types, GB/T 30428-style codes), seeded from assets.

Codes: a category is E-nn (event, 事件) or C-nn (component, 部件); a type adds two digits
(E-0506). The constants below are the types other domains file under.
"""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases.models import CaseCategory, CaseType
from backoffice.cases.states import CasePriority

CASES_DIR = Path(__file__).resolve().parents[2] / "assets" / "cases"

TYPE_SHARED_BIKE_PARKING = "E-0506"  # 共享单车违停: the AI patrol files bikes in no-parking zones
TYPE_BULKY_WASTE = "E-0108"  # 大件垃圾堆放超限: a collection point filled over its threshold
TYPE_SERVICE_COMPLAINT = "E-0701"  # 政务服务差评: a bad (level 1-2) kiosk rating
TYPE_KIOSK_FAULT = "C-0604"  # 自助服务终端: a kiosk out of order
TYPE_HOTLINE_ORDER = "E-0704"  # 市民热线工单
TYPE_NON_POLICE_110 = "E-0705"  # 110非警情


def _flag(value: str) -> bool:
    if value not in ("true", "false"):
        raise ValueError(f"expected true or false, got {value!r}")
    return value == "true"


def seed_taxonomy(db: Session, folder: Path = CASES_DIR) -> int:
    """Upsert the categories and types from categories.csv and types.csv; returns the number
    of types."""
    categories = {c.code: c for c in db.scalars(select(CaseCategory))}
    with (folder / "categories.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            category = categories.get(row["code"])
            if category is None:
                category = CaseCategory(code=row["code"])
                db.add(category)
                categories[category.code] = category
            category.kind = row["kind"]
            category.name_zh = row["name_zh"]
            category.name_en = row["name_en"]
    db.flush()
    types = {t.code: t for t in db.scalars(select(CaseType))}
    count = 0
    with (folder / "types.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            case_type = types.get(row["code"])
            if case_type is None:
                case_type = CaseType(code=row["code"], active=True)
                db.add(case_type)
                types[case_type.code] = case_type
            if row["code"][:4] != row["category"]:
                raise ValueError(f"type {row['code']} does not sit in category {row['category']}")
            case_type.category = categories[row["category"]]
            case_type.name_zh = row["name_zh"]
            case_type.name_en = row["name_en"]
            case_type.time_limit_h = float(row["time_limit_h"])
            case_type.working_hours = _flag(row["working_hours"])
            case_type.priority = CasePriority(row["priority"])
            case_type.default_unit_kind = row["default_unit_kind"]
            case_type.dedupe_radius_m = float(row["dedupe_radius_m"])
            case_type.filing_criteria = row["filing_criteria"]
            count += 1
    db.flush()
    return count
