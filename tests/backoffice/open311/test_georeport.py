"""GeoReport v2 to the letter (issue 15, finding 6): one test per deviation that was found."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases.models import Case
from backoffice.open311.models import Open311Request
from backoffice.workcal import SHANGHAI
from tests.backoffice.open311.test_api import ROOT, key, post  # noqa: F401 (the key fixture)

AT_YANAN_ROAD = {"lat": "31.2145", "long": "121.43"}


def xml_of(content: bytes) -> ET.Element:
    return ET.fromstring(content)  # noqa: S314 (the answer of our own server under test)


def filed(client: TestClient, key: str, **fields: str) -> dict[str, str]:  # noqa: F811
    answer = client.post(f"{ROOT}/requests.json", data={"api_key": key, **fields})
    assert answer.status_code == 200, answer.text
    [record] = answer.json()
    return record  # type: ignore[no-any-return]


def read_back(client: TestClient, number: str) -> dict[str, object]:
    [request] = client.get(f"{ROOT}/requests/{number}.json").json()
    return request  # type: ignore[no-any-return]


def test_the_discovery_document_in_json_and_xml(client: TestClient) -> None:
    for path in ("/open311/discovery", f"{ROOT}/discovery"):
        document = client.get(f"{path}.json").json()
        [endpoint] = document["endpoints"]
        assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert endpoint["url"].endswith("://testserver/open311/v2")
        assert endpoint["formats"] == ["text/xml", "application/json"]
        assert endpoint["type"] == "production"
        assert document["changeset"] and document["key_service"]
    root = xml_of(client.get("/open311/discovery.xml").content)
    assert root.tag == "discovery"
    assert str(root.findtext("endpoints/endpoint/url")).endswith("://testserver/open311/v2")
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]


def test_description_is_optional_and_may_have_4000_characters(
    client: TestClient,
    key: str,  # noqa: F811
) -> None:
    quiet = filed(client, key, service_code="C-0110", **AT_YANAN_ROAD)
    assert read_back(client, quiet["service_request_id"])["description"] == ""
    long = "灯" * 4000
    number = filed(client, key, service_code="C-0301", description=long, **AT_YANAN_ROAD)
    assert read_back(client, number["service_request_id"])["description"] == long
    code, body = post(
        client, api_key=key, service_code="C-0110", description="灯" * 4001, **AT_YANAN_ROAD
    )
    assert code == 400 and b"4000" in body


def test_the_answer_carries_the_service_request_id_and_no_token_for_realtime_services(
    client: TestClient,
    key: str,  # noqa: F811
) -> None:
    record = filed(client, key, service_code="C-0110", description="灯不亮", **AT_YANAN_ROAD)
    assert set(record) == {"service_request_id", "service_notice", "account_id"}
    services = client.get(f"{ROOT}/services.json").json()
    assert {s["type"] for s in services} == {"realtime"}


def test_media_url_is_kept_and_returned_and_the_description_is_as_posted(
    client: TestClient,
    db: Session,
    key: str,  # noqa: F811
) -> None:
    photo = "https://photos.example.org/lamp/1.jpg"
    record = filed(
        client, key, service_code="C-0110", description="灯不亮", media_url=photo, **AT_YANAN_ROAD
    )
    back = read_back(client, record["service_request_id"])
    assert (back["media_url"], back["description"]) == (photo, "灯不亮")
    case = db.scalars(select(Case).where(Case.number == record["service_request_id"])).one()
    assert photo in case.description  # staff see the link with the case
    code, _ = post(
        client,
        api_key=key,
        service_code="C-0110",
        media_url="javascript:alert(1)",
        **AT_YANAN_ROAD,
    )
    assert code == 400


def test_address_id_takes_the_place_codes_the_api_returns(
    client: TestClient,
    key: str,  # noqa: F811
) -> None:
    first = filed(client, key, service_code="C-0110", description="灯不亮", address_id="JSL-P01")
    back = read_back(client, first["service_request_id"])
    assert back["address_id"] == "JSL-P01"
    assert back["lat"] is not None  # located at the compound
    again = filed(
        client,
        key,
        service_code="C-0301",
        description="井盖缺失",
        address_id=str(back["address_id"]),
    )
    assert read_back(client, again["service_request_id"])["address_id"] == "JSL-P01"
    code, body = post(client, api_key=key, service_code="C-0110", address_id="JSL-NOWHERE")
    assert code == 400 and b"address_id" in body


def test_bike_and_waste_services_ask_attributes_checked_and_stored(
    client: TestClient,
    db: Session,
    key: str,  # noqa: F811
) -> None:
    services = {s["service_code"]: s for s in client.get(f"{ROOT}/services.json").json()}
    assert services["E-0506"]["metadata"] is True and services["C-0110"]["metadata"] is False
    bikes = client.get(f"{ROOT}/services/E-0506.json").json()
    [count] = bikes["attributes"]
    assert (count["code"], count["datatype"], count["variable"]) == ("bike_count", "number", True)
    waste = xml_of(client.get(f"{ROOT}/services/E-0108.xml").content)
    assert waste.findtext("attributes/attribute/code") == "pile_size"
    keys = [v.findtext("key") for v in waste.findall("attributes/attribute/values/value")]
    assert keys == ["small", "medium", "large"]

    record = filed(
        client, key, service_code="E-0506", description="单车堆在门口",
        **{"attribute[bike_count]": "7"}, **AT_YANAN_ROAD,
    )  # fmt: skip
    case = db.scalars(select(Case).where(Case.number == record["service_request_id"])).one()
    stored = db.get(Open311Request, case.id)
    assert stored is not None and stored.attributes == {"bike_count": 7}
    assert "7" in case.description.splitlines()[-1]
    for bad in ({"attribute[bike_count]": "many"}, {"attribute[bike_count]": "0"},
                {"attribute[colour]": "red"}):  # fmt: skip
        code, body = post(client, api_key=key, service_code="E-0506", **bad, **AT_YANAN_ROAD)
        assert code == 400, body
    code, _ = post(
        client, api_key=key, service_code="E-0108", **{"attribute[pile_size]": "huge"},
        **AT_YANAN_ROAD,
    )  # fmt: skip
    assert code == 400


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", f"{ROOT}/nothing.json", 404),
        ("GET", f"{ROOT}/services", 404),  # no extension
        ("DELETE", f"{ROOT}/services.json", 405),
        ("GET", f"{ROOT}/services.yaml", 404),
        ("GET", f"{ROOT}/requests.json?start_date=someday", 400),
    ],
)
def test_errors_are_in_georeport_form_on_every_path(
    client: TestClient, method: str, path: str, status: int
) -> None:
    answer = client.request(method, path)
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/json; charset=utf-8"
    [error] = answer.json()
    assert error["code"] == status and error["description"]
    as_xml = client.request(method, path.replace(".json", ".xml"))
    if path.endswith(".json"):
        assert xml_of(as_xml.content).tag == "errors"


def test_json_answers_say_utf_8(client: TestClient) -> None:
    answer = client.get(f"{ROOT}/services.json")
    assert answer.headers["content-type"] == "application/json; charset=utf-8"


@pytest.mark.parametrize(
    "window",
    [
        {"start_date": "2026-10-01"},
        {"start_date": "2026-10-01", "end_date": "2026-10-31"},
        {"start_date": "2026-10-01T09:00+08:00"},
        {"end_date": "2026-11-02T01:00:00Z"},
    ],
)
def test_w3c_dates_with_or_without_a_time(
    client: TestClient,
    key: str,  # noqa: F811
    window: dict[str, str],
) -> None:
    answer = client.get(f"{ROOT}/requests.json", params=window)
    assert answer.status_code == 200, answer.text


def test_a_date_only_end_includes_that_whole_day(
    client: TestClient,
    key: str,  # noqa: F811
) -> None:
    record = filed(client, key, service_code="C-0110", description="灯不亮", **AT_YANAN_ROAD)
    day = read_back(client, record["service_request_id"])["requested_datetime"]
    assert isinstance(day, str)
    shanghai_day = datetime.fromisoformat(day).astimezone(SHANGHAI).date().isoformat()
    listed = client.get(
        f"{ROOT}/requests.json", params={"start_date": shanghai_day, "end_date": shanghai_day}
    ).json()
    assert [r["service_request_id"] for r in listed] == [record["service_request_id"]]


def test_a_non_string_api_key_and_json_bodies_are_refused_cleanly(client: TestClient) -> None:
    answer = client.post(f"{ROOT}/requests.json", json={"api_key": 12, "service_code": "C-0110"})
    assert answer.status_code == 403
    assert answer.json()[0]["code"] == 403
    nested = client.post(
        f"{ROOT}/requests.json",
        content="[" * 10_000 + "]" * 10_000,
        headers={"Content-Type": "application/json"},
    )
    assert nested.status_code == 400 and nested.json()[0]["code"] == 400
