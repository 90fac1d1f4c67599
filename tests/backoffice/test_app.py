from fastapi.testclient import TestClient


def test_healthz_says_the_database_answers(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] is True


def test_openapi_lists_the_kiosk_endpoints(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/v1/fleet/enroll" in paths
    assert "/api/v1/fleet/heartbeat" in paths


def test_bad_input_gets_a_422_naming_the_field(client: TestClient) -> None:
    response = client.post("/api/v1/auth/token", json={"username": "x"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "password"]
