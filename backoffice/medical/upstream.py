"""The HTTP adapter of the medical-insurance visit records (`contracts/medical.openapi.json`),
on the shared upstream client. In demo mode it talks to `simulators.upstream_peers.MedicalPeer`."""

from __future__ import annotations

from datetime import date

from backoffice.medical.source import InsuredRecords, VisitRecord
from backoffice.settings import Settings
from backoffice.upstream import Upstream, UpstreamClient, client_for

MEDICAL = Upstream("medical", "medical-insurance records service", "医保就医记录系统")
DEMO_MEDICAL_URL = "http://127.0.0.1:9202"


class HttpMedicalSource:
    def __init__(self, client: UpstreamClient) -> None:
        self.client = client

    def records(self, id_hash: str) -> InsuredRecords | None:
        status, answer = self.client.call(
            "GET",
            f"/v1/insured/{id_hash}/visits",
            idempotent=True,
            answers={200: "VisitsAnswer", 404: "Error"},
        )
        if status == 404:
            return None
        visits = sorted(answer["visits"], key=lambda v: int(v["seq"]))
        seqs = [int(v["seq"]) for v in visits]
        if len(set(seqs)) != len(seqs):
            raise self.client.unavailable("two visit records with the same seq")
        try:
            records = [
                VisitRecord(
                    seq=int(v["seq"]),
                    visit_date=date.fromisoformat(v["visit_date"]),
                    institution=str(v["institution"]),
                    department=str(v["department"]),
                    kind=str(v["kind"]),
                    total_fen=int(v["total_fen"]),
                    fund_fen=int(v["fund_fen"]),
                    self_fen=int(v["self_fen"]),
                )
                for v in visits
            ]
        except ValueError as exc:
            raise self.client.unavailable(f"a visit record is unreadable: {exc}") from exc
        serial = answer.get("booklet_serial")
        return InsuredRecords(records, str(serial) if serial else None)

    def close(self) -> None:
        self.client.close()


def http_medical_source(settings: Settings) -> HttpMedicalSource:
    """ZHILI_MEDICAL_ADAPTER=backoffice.medical.upstream:http_medical_source, at
    ZHILI_MEDICAL_URL."""
    return HttpMedicalSource(
        client_for(settings, MEDICAL, "medical_url", demo_url=DEMO_MEDICAL_URL)
    )
