"""The seeded catalog, served per terminal kind with ETags, and edited by staff."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from backoffice.access import Role
from backoffice.catalog.service import SEED_FILE, expand_seed
from backoffice.clock import ManualClock
from tests.backoffice.kiosk_terminals import seed_catalog
from tests.conftest import StaffFactory


def test_the_seed_has_13_categories_101_items_12_high_frequency_24_no_certificate() -> None:
    import json

    categories, items = expand_seed(json.loads(SEED_FILE.read_text(encoding="utf-8")))
    assert len(categories) == 13
    assert len(items) == 101
    assert sum(1 for _, i in items if i.high_frequency) == 12
    assert sum(1 for _, i in items if i.no_certificate) == 24
    booklet = dict(items)["MI-BOOKLET-PRINT"]
    assert booklet.name.zh == "医保就医记录册打印"
    assert booklet.office_code == "JSL-CAC-MI"
    assert booklet.guide.materials[0].question.zh == "您带了医保就医记录册吗？"
    assert booklet.guide.fee.en == "Free of charge"
    for _, item in items:  # every matter has a full guide in both languages
        assert item.guide.steps and item.guide.legal_basis.zh and item.guide.hours.en


def test_catalog_is_cached_by_etag_and_changes_after_an_edit(
    client: TestClient, db: Session, clock: ManualClock, staff_headers: StaffFactory
) -> None:
    assert seed_catalog(db, clock) == 101
    first = client.get("/api/v1/catalog?kind=community_centre")
    assert first.status_code == 200
    tag = first.headers["ETag"]
    body = first.json()
    version = body["version"]
    assert tag == f'"catalog-{version}-community_centre"'
    assert len(body["categories"]) == 13
    assert len(body["high_frequency"]) == 12 and len(body["no_certificate"]) == 24

    cached = client.get("/api/v1/catalog?kind=community_centre", headers={"If-None-Match": tag})
    assert cached.status_code == 304 and cached.content == b""

    lobby = client.get("/api/v1/catalog?kind=lobby").json()
    lobby_codes = {c["code"] for c in lobby["categories"]}
    assert "VET" not in lobby_codes and "SI" in lobby_codes

    editor = staff_headers(Role.OPERATOR)
    item: dict[str, Any] = client.get("/api/v1/catalog/items/Q-MIN-WAGE").json()
    item.pop("code")
    item["guide"]["summary"]["zh"] = "本市月最低工资标准查询"
    edited = client.put(
        "/api/v1/catalog/items/Q-MIN-WAGE", json=item, headers={**editor, "If-Match": tag}
    )
    assert edited.status_code == 200, edited.text
    new_version = int(edited.headers["ETag"].split("-")[1])
    assert new_version > version
    assert edited.headers["ETag"] == f'"catalog-{new_version}-all"'
    stale = client.put(
        "/api/v1/catalog/items/Q-MIN-WAGE", json=item, headers={**editor, "If-Match": tag}
    )
    assert stale.status_code == 412 and "reload" in stale.json()["detail"]

    fresh = client.get("/api/v1/catalog?kind=community_centre", headers={"If-None-Match": tag})
    assert fresh.status_code == 200
    assert fresh.headers["ETag"] == f'"catalog-{new_version}-community_centre"'
    guide = client.get("/api/v1/catalog/items/Q-MIN-WAGE").json()["guide"]
    assert guide["summary"]["zh"] == "本市月最低工资标准查询"


def test_only_editors_change_the_catalog_and_bad_items_are_422(
    client: TestClient, db: Session, clock: ManualClock, staff_headers: StaffFactory
) -> None:
    seed_catalog(db, clock)
    before = client.get("/api/v1/catalog").headers["ETag"]
    item: dict[str, Any] = client.get("/api/v1/catalog/items/EMP-UNEMP-REG").json()
    item.pop("code")
    viewer = staff_headers(Role.VIEWER)
    assert client.put("/api/v1/catalog/items/NEW-1", json=item, headers=viewer).status_code == 403
    editor = staff_headers(Role.ADMIN)
    wrong_office = {**item, "office_code": "NOBODY"}
    reply = client.put("/api/v1/catalog/items/NEW-1", json=wrong_office, headers=editor)
    assert reply.status_code == 422 and "NOBODY" in reply.json()["detail"]
    no_kinds = {**item, "terminal_kinds": []}
    assert (
        client.put("/api/v1/catalog/items/NEW-1", json=no_kinds, headers=editor).status_code == 422
    )
    assert client.get("/api/v1/catalog/items/NEW-1").status_code == 404
    assert client.get("/api/v1/catalog").headers["ETag"] == before  # nothing half-written

    retired = client.delete("/api/v1/catalog/items/EMP-UNEMP-REG", headers=editor)
    assert retired.status_code == 204
    assert client.get("/api/v1/catalog/items/EMP-UNEMP-REG").status_code == 404


@pytest.mark.parametrize("kind", ["community_centre", "lobby", "ops_centre"])
def test_every_kind_sees_the_no_certificate_queries(
    client: TestClient, db: Session, clock: ManualClock, kind: str
) -> None:
    seed_catalog(db, clock)
    body = client.get(f"/api/v1/catalog?kind={kind}").json()
    assert "Q-CONSULT-ANSWER" in body["no_certificate"]


def test_a_terminal_gets_its_kind_and_its_enabled_services_only(
    client: TestClient, db: Session, clock: ManualClock, staff_headers: StaffFactory
) -> None:
    from tests.backoffice.kiosk_terminals import enrolled_terminal

    seed_catalog(db, clock)
    manager = staff_headers(Role.TERMINAL_MANAGER)
    kiosk = enrolled_terminal(client, manager, "JSL-LOBBY-01", "lobby")
    everything = client.get("/api/v1/catalog/mine", headers=kiosk)
    assert everything.status_code == 200
    assert everything.json() == client.get("/api/v1/catalog?kind=lobby").json()
    tag = everything.headers["ETag"]
    assert (
        client.get("/api/v1/catalog/mine", headers={**kiosk, "If-None-Match": tag}).status_code
        == 304
    )

    enabled = ["MI-BOOKLET-PRINT", "Q-CONSULT-ANSWER", "VET-CARD"]  # veterans: not on lobbies
    client.patch(
        "/api/v1/fleet/terminals/JSL-LOBBY-01",
        json={"enabled_services": enabled},
        headers=manager,
    )
    changed = client.get("/api/v1/catalog/mine", headers={**kiosk, "If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag
    codes = [i["code"] for c in changed.json()["categories"] for i in c["items"]]
    assert codes == ["MI-BOOKLET-PRINT", "Q-CONSULT-ANSWER"]
    assert client.get("/api/v1/catalog/mine", headers=manager).status_code == 403
