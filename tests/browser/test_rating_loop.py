"""The loops that close, in a real browser against a live back office: a caller's number shown
to the call-taker and refused to the administrator, both attempts on record; a bad rating with
a consented callback number followed to its published outcome, its case closed with it; and a
counter's rating pad (the kiosk app in counter mode, a real Kivy window) rating into the same
loop."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from backoffice.access import Role
from backoffice.demo.history import OpsData
from kiosk.agent import FleetAgent
from kiosk.config import CounterDesk, KioskConfig
from tests.browser.conftest import Ops, shoot
from tests.conftest import LiveServer, bearer

# The kiosk's real window and its helpers (tests/kiosk/conftest.py), for the counter's pad.
from tests.kiosk.conftest import kivy_window, make_kiosk_ui  # noqa: F401

PHONE = "13912345678"


def _terminal(live_server: LiveServer, ops: OpsData) -> dict[str, str]:
    enrolled = httpx.post(
        f"{live_server.url}/api/v1/fleet/enroll",
        json={"code": ops.enrollment_code, "app_version": "1.4.0"},
    )
    assert enrolled.status_code == 201, enrolled.text
    return bearer(enrolled.json()["token"])


def _summary(page: Page) -> dict[str, Any]:
    """The summary published without sign-in."""
    answer = page.request.get("/api/v1/public/ratings/summary")
    assert answer.ok, answer.text()
    summary: dict[str, Any] = answer.json()
    return summary


def _row(page: Page, case_number: str) -> Any:
    return page.locator("#rectifications tr.rect").filter(has_text=case_number)


def _forms(page: Page, case_number: str) -> Any:
    rect_id = _row(page, case_number).get_attribute("id")
    return page.locator(f"#{rect_id}-forms")


def _submit(page: Page, form: Any) -> None:
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def test_a_callers_number_is_shown_to_the_call_taker_refused_to_the_admin_and_audited(
    pages: Ops, ops: OpsData
) -> None:
    taker = pages.sign_in("demo-call-taker", ops.logins[Role.CALL_TAKER].password, lang="en")
    taker.goto("/ops/calls/new")
    expect(taker.locator("#pick-map")).to_have_attribute("data-ready", "1")
    taker.select_option("select[name=source]", "police_110")
    taker.fill("input[name=incident_number]", "110-20261206-0042")
    taker.select_option("select[name=type_code]", "E-0502")
    taker.select_option("select[name=road_code]", "JSL-R02")
    expect(taker.locator("select[name=landmark]")).to_have_attribute("data-loaded", "JSL-R02")
    taker.select_option("select[name=landmark]", "x:JSL-R01")
    taker.fill("textarea[name=description]", "愚园路路口有流动摊贩占道经营")
    taker.fill("input[name=caller_name]", "李建国")
    taker.fill("input[name=caller_phone]", PHONE)
    taker.click("#call-form button[type=submit]")
    taker.wait_for_url(re.compile(r".*/ops/cases/JSL-\d{4}-\d{6}$"))
    case_url = taker.url
    contact = taker.locator(".facts .contact")
    expect(contact.locator(".contact-masked")).to_have_text("李** 139****5678")
    expect(taker.locator("body")).not_to_contain_text(PHONE)

    contact.locator("input[name=reason]").fill("callback: tell the caller the stall was cleared")
    _submit(taker, contact)
    expect(taker.locator(".contact-full")).to_have_text(f"李建国 {PHONE}")
    shoot(taker, "caller-revealed")
    # What was done goes back to 110 under its incident number.
    feedback = taker.locator("#police-feedback")
    feedback.locator("textarea[name=text]").fill("城管已到场，摊贩已劝离")
    _submit(taker, feedback)
    expect(feedback.locator("ul.feedback")).to_contain_text("110-20261206-0042")
    expect(feedback.locator("ul.feedback")).to_contain_text("城管已到场，摊贩已劝离")
    expect(taker.locator("body")).not_to_contain_text(PHONE)  # shown on that answer only

    admin = pages.sign_in("demo-admin", ops.logins[Role.ADMIN].password, lang="en")
    admin.goto(case_url)
    admin.locator(".facts .contact input[name=reason]").fill("checking the record")
    _submit(admin, admin.locator(".facts .contact"))
    expect(admin.locator(".flash")).to_contain_text("may not see callers' numbers")
    expect(admin.locator("body")).not_to_contain_text(PHONE)
    audit = admin.locator(".facts .contact ul.reveals li")
    expect(audit).to_have_count(2)
    expect(audit.nth(0)).to_contain_text("demo-call-taker")
    expect(audit.nth(0)).to_contain_text("callback: tell the caller the stall was cleared")
    expect(audit.nth(0)).to_contain_text("shown")
    expect(audit.nth(1)).to_contain_text("demo-admin")
    expect(audit.nth(1)).to_contain_text("refused")
    shoot(admin, "caller-refused")


def test_a_bad_rating_runs_to_its_published_outcome_and_closes_its_case(
    pages: Ops, ops: OpsData, live_server: LiveServer
) -> None:
    kiosk = _terminal(live_server, ops)
    visit_id = str(uuid.uuid4())
    visit = {"visit_id": visit_id, "outcome": "finished", "matters": ["SI-CARD-REPLACE"],
             "duration_s": 120.0, "language": "zh", "elder_mode": False}  # fmt: skip
    sent = httpx.post(f"{live_server.url}/api/v1/visits", json=visit, headers=kiosk)
    assert sent.status_code == 201, sent.text
    rating = {"visit_id": visit_id, "matter_code": "SI-CARD-REPLACE", "level": 1,
              "reasons": ["too_slow"], "comment": "等了一个小时",
              "callback_phone": PHONE, "callback_consent": True}  # fmt: skip
    rated = httpx.post(f"{live_server.url}/api/v1/ratings", json=rating,
                       headers={**kiosk, "Idempotency-Key": f"rating-{visit_id}"})  # fmt: skip
    assert rated.status_code == 201, rated.text
    case_number = rated.json()["rectification"]["case_number"]

    viewer = pages.sign_in("demo-viewer", ops.logins[Role.VIEWER].password, lang="en")
    viewer.goto("/ops/ratings")
    before = _summary(viewer)
    forms = _forms(viewer, case_number)
    expect(forms.locator(".contact-masked")).to_have_text("139****5678")
    expect(forms.locator("form.callback-form")).to_have_count(0)  # a viewer only reads
    forms.locator(".contact input[name=reason]").fill("curious")
    _submit(viewer, forms.locator(".contact"))
    expect(viewer.locator(".flash")).to_contain_text("may not see callers' numbers")

    operator = pages.sign_in("demo-operator", ops.logins[Role.OPERATOR].password, lang="en")
    operator.goto("/ops/ratings")
    row = _row(operator, case_number)
    expect(row.locator(".rect-status")).to_have_text("Rectifying")
    expect(row).to_contain_text("等了一个小时")
    forms = _forms(operator, case_number)
    forms.locator(".contact input[name=reason]").fill("callback on the bad rating")
    _submit(operator, forms.locator(".contact"))
    forms = _forms(operator, case_number)
    expect(forms.locator(".contact-full")).to_contain_text(PHONE)
    expect(forms.locator("ul.reveals li")).to_have_count(2)  # the viewer's refusal, then this
    callback = forms.locator("form.callback-form")
    callback.locator("input[name=note]").fill("已电话回访，致歉并说明补办进度")
    callback.locator("select[name=satisfied]").select_option("yes")
    _submit(operator, callback)
    expect(_row(operator, case_number).locator(".rect-status")).to_have_text("Called back")
    expect(operator.locator("body")).not_to_contain_text(PHONE)
    outcome = _forms(operator, case_number).locator("form.outcome-form")
    outcome.locator("input[name=outcome]").fill("增开一个补办窗口，高峰期限号分流")
    _submit(operator, outcome)
    row = _row(operator, case_number)
    expect(row.locator(".rect-status")).to_have_text("Rectified")
    expect(row.locator(".outcome")).to_have_text("增开一个补办窗口，高峰期限号分流")
    expect(operator.locator("#r-rectified")).to_have_text(str(before["rectified"] + 1))
    shoot(operator, "rating-loop-closed")

    after = _summary(operator)
    assert after["rectified"] == before["rectified"] + 1
    assert after["rectified_on_time"] == before["rectified_on_time"] + 1
    assert after["bad_ratings"] == before["bad_ratings"]

    # The linked case closed with the outcome: it will not run overdue.
    row.locator(f"a:text-is('{case_number}')").click()
    operator.wait_for_url(re.compile(rf".*/ops/cases/{case_number}$"))
    expect(operator.locator("#case-state")).to_have_text("closed")
    expect(operator.locator("#timeline")).to_contain_text("增开一个补办窗口，高峰期限号分流")


def test_a_counter_rating_pad_rates_into_the_same_loop(
    pages: Ops,
    ops: OpsData,
    live_server: LiveServer,
    make_kiosk_ui: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    token_path = tmp_path / "pad" / "token.json"
    desk = CounterDesk(code="W05", matter="SI-CARD-REPLACE", staff_code="A031", staff_name="陈静")
    ui = make_kiosk_ui(token_path=token_path, counter=desk)
    config = KioskConfig(
        server_url=live_server.url, token_path=token_path, enrollment_code=ops.enrollment_code
    )
    agent = FleetAgent(config, ui.app.kiosk_status, outbox=ui.app.outbox)
    ui.app.agent = agent
    assert agent.enroll_once() is True
    assert ui.app.screens.current == "rating"
    assert "W05 窗口" in ui.find("counter_line").text

    ui.tap(next(f for f in ui.visible_widgets() if getattr(f, "level", None) == 2
                and type(f).__name__ == "RatingFace"))  # fmt: skip
    ui.tap(ui.find("用时太长"))
    ui.tap(ui.find("提交评价"))
    ui.tap(ui.find("不用了，提交评价"))
    report = agent.deliver_outbox()
    assert report is not None and (report.sent, report.refused) == (2, 0)
    assert ui.app.screens.current == "rating"  # the pad waits for the next person

    operator = pages.sign_in("demo-operator", ops.logins[Role.OPERATOR].password, lang="en")
    operator.goto("/ops/ratings")
    row = operator.locator("#rectifications tr.rect").filter(has_text="W05")
    expect(row).to_have_count(1)
    expect(row.locator(".channel")).to_contain_text("Counter pad · W05 · A031 陈静")
    case_number = row.locator("a[href^='/ops/cases/']").inner_text()
    forms = _forms(operator, case_number)
    expect(forms.locator(".contact")).to_have_count(0)  # no number was left
    callback = forms.locator("form.callback-form")
    callback.locator("input[name=note]").fill("窗口负责人已当面致歉")
    callback.locator("select[name=satisfied]").select_option("no")
    _submit(operator, callback)
    outcome = _forms(operator, case_number).locator("form.outcome-form")
    outcome.locator("input[name=outcome]").fill("W05 窗口增派一名工作人员")
    _submit(operator, outcome)
    expect(_row(operator, case_number).locator(".rect-status")).to_have_text("Rectified")
    shoot(operator, "counter-rating-closed")
    operator.goto(f"/ops/cases/{case_number}")
    expect(operator.locator("#case-state")).to_have_text("closed")
