"""GeoReport v2 in process: XML documents, errors as lists, keys, windows and bad input."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.cases.models import Case
from backoffice.cases.seed import seed_reference_data
from backoffice.clock import ManualClock
from backoffice.errors import Conflict
from backoffice.open311.models import Open311Token
from backoffice.open311.service import issue_key

ROOT = "/open311/v2"


def xml_of(content: bytes) -> ET.Element:
    return ET.fromstring(content)  # noqa: S314 (the answer of our own server under test)


@pytest.fixture
def key(db: Session, clock: ManualClock) -> str:
    seed_reference_data(db)
    return issue_key(db, "test app", clock.now())


def post(client: TestClient, fmt: str = "json", **fields: str) -> tuple[int, bytes]:
    answer = client.post(f"{ROOT}/requests.{fmt}", data=fields)
    return answer.status_code, answer.content


def test_services_in_xml_follow_georeport(client: TestClient, key: str) -> None:
    answer = client.get(f"{ROOT}/services.xml")
    assert answer.headers["content-type"] == "text/xml; charset=utf-8"
    root = xml_of(answer.content)
    assert root.tag == "services"
    services = root.findall("service")
    assert len(services) == 162
    first = services[0]
    assert [child.tag for child in first] == [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ]
    assert first.findtext("metadata") == "false"
    definition = xml_of(client.get(f"{ROOT}/services/C-0110.xml").content)
    assert definition.tag == "service_definition"
    assert definition.findtext("service_code") == "C-0110"


def test_errors_are_lists_of_code_and_description(client: TestClient, key: str) -> None:
    missing = client.get(f"{ROOT}/services/X-9999.json")
    assert missing.status_code == 404
    assert missing.json() == [
        {
            "code": 404,
            "description": "service_code 'X-9999' not found; GET services lists the codes.",
        }
    ]
    xml = xml_of(client.get(f"{ROOT}/requests/JSL-2026-999999.xml").content)
    assert xml.tag == "errors"
    assert xml.find("error/code").text == "404"  # type: ignore[union-attr]
    assert client.get(f"{ROOT}/services.csv").json()[0]["code"] == 404


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({}, 403, "api_key is required"),
        ({"api_key": "o311_wrong"}, 403, "api_key is not valid"),
        ({"api_key": "KEY", "lat": "31.2", "long": "121.4"}, 400, "service_code is required"),
        (
            {"api_key": "KEY", "service_code": "X-1", "lat": "31.2", "long": "121.4"},
            404,
            "service_code 'X-1'",
        ),
        (
            {"api_key": "KEY", "service_code": "C-0110", "lat": "north", "long": "121.4"},
            400,
            "not a number",
        ),
        (
            {"api_key": "KEY", "service_code": "C-0110", "lat": "95", "long": "121.4"},
            400,
            "not a WGS84",
        ),
        ({"api_key": "KEY", "service_code": "C-0110"}, 400, "Give lat and long"),
    ],
)
def test_bad_posts_are_refused_and_leave_nothing(
    client: TestClient, db: Session, key: str, fields: dict[str, str], status: int, message: str
) -> None:
    fields = {"description": "灯不亮", **fields}
    if fields.get("api_key") == "KEY":
        fields["api_key"] = key
    code, body = post(client, **fields)
    assert code == status
    [error] = json.loads(body)
    assert error["code"] == status
    assert message in error["description"]
    assert db.scalar(select(func.count()).select_from(Case)) == 0
    assert db.scalar(select(func.count()).select_from(Open311Token)) == 0


def test_an_address_naming_a_road_is_enough_and_xml_posts_answer_xml(
    client: TestClient, db: Session, key: str
) -> None:
    code, body = post(
        client,
        "xml",
        api_key=key,
        service_code="C-0110",
        address_string="长宁区延安西路 1000 号门口",
        description="灯杆倾斜",
    )
    assert code == 200, body
    root = xml_of(body)
    assert root.tag == "service_requests"
    number = root.findtext("request/service_request_id")
    case = db.scalars(select(Case).where(Case.number == number)).one()
    assert case.road is not None and case.road.name_zh == "延安西路"
    assert case.description == "灯杆倾斜\n地址 (address): 长宁区延安西路 1000 号门口"
    assert case.reporter == "open311:test app"
    # No landmark of the road named (no site there has that number): the road alone, no point.
    assert (case.lon, case.lat, case.grid) == (None, None, None)


def test_an_address_naming_a_crossing_or_a_site_locates_the_request_there(
    client: TestClient, db: Session, key: str
) -> None:
    def filed(address: str, service_code: str) -> Case:
        code, body = post(client, api_key=key, service_code=service_code, address_string=address)
        assert code == 200, body
        number = json.loads(body)[0]["service_request_id"]
        return db.scalars(select(Case).where(Case.number == number)).one()

    corner = filed("江苏路与延安西路交叉口东北角", "C-0110")
    assert (corner.lon, corner.lat) == (121.4326807, 31.2145788)  # the two roads' crossing
    assert corner.road is not None and corner.road.code == "JSL-R01"
    assert corner.grid is not None  # a point, so a grid: it counts in the grid hotspots
    centre = filed("愚园路1000号 社区事务受理服务中心门口", "E-0104")
    assert centre.place is not None and centre.place.code == "JSL-B04"
    assert (centre.lon, centre.lat) == (121.4336, 31.2238)  # the site's centre
    assert centre.road is not None and centre.road.code == "JSL-R02"


def test_the_query_window_is_at_most_90_days_and_defaults_to_the_last_90(
    client: TestClient, db: Session, key: str, clock: ManualClock
) -> None:
    code, _ = post(
        client,
        api_key=key,
        service_code="C-0110",
        lat="31.2145",
        long="121.43",
        description="灯不亮",
    )
    assert code == 200
    assert len(client.get(f"{ROOT}/requests.json").json()) == 1
    clock.advance(timedelta(days=91))
    assert client.get(f"{ROOT}/requests.json").json() == []
    wide = client.get(
        f"{ROOT}/requests.json",
        params={"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
    )
    assert wide.status_code == 400
    assert "90 days" in wide.json()[0]["description"]
    naive = client.get(f"{ROOT}/requests.json", params={"start_date": "2026-01-01T00:00:00"})
    assert "time zone" in naive.json()[0]["description"]
    closed = client.get(
        f"{ROOT}/requests.json", params={"status": "closed", "start_date": "2026-10-01T00:00:00Z"}
    )
    assert closed.json() == []


def test_issuing_a_key_twice_for_one_name_is_refused(
    db: Session, key: str, clock: ManualClock
) -> None:
    with pytest.raises(Conflict, match="exists already"):
        issue_key(db, "test app", clock.now())
