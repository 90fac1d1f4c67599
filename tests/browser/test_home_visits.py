"""Home visits (上门服务) in a real browser: the call-taker takes a request from the call form,
a booking in the past or clashing with the visitor's other visit is refused in plain words,
the visit is booked, and the member of staff who made a visit records its outcome and the
resident's rating; the dashboard counts them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from backoffice.access import Role
from backoffice.demo.history import OpsData
from backoffice.homeservice.service import visit_days
from backoffice.workcal import SHANGHAI
from tests.browser.conftest import Ops, shoot


def _submit(page: Page, form: str) -> None:
    with page.expect_navigation():
        page.locator(f"{form} button[type=submit]").click()


def test_a_call_taker_takes_and_books_a_home_visit_the_visitor_records_and_rates_one(
    pages: Ops, ops: OpsData
) -> None:
    desk = pages.sign_in("demo-call-taker", ops.logins[Role.CALL_TAKER].password)
    expect(desk.locator("#v-home_waiting")).to_have_text("0")
    expect(desk.locator("#v-home_today")).to_have_text("1")
    desk.goto("/ops/calls/new")
    with desk.expect_navigation():
        desk.click("#to-home-request")
    form = desk.locator("#home-request-form")
    form.locator("[name=matter_code]").select_option("EL-ALLOWANCE")
    form.locator("[name=person_name]").fill("李桂兰")
    form.locator("[name=contact_phone]").fill("138 1234 5678")
    form.locator("[name=address]").fill("镇宁路 200弄 5号 402室")
    form.locator("[name=reason]").select_option("illness")
    form.locator("input[name=preferred]").first.check()
    shoot(desk, "home-request-form-zh")
    _submit(desk, "#home-request-form")
    expect(desk.locator(".flash.ok")).to_have_text("上门服务申请已受理 ✓")
    request = desk.locator("article.home-request[data-status=requested]")
    expect(request).to_have_count(1)
    expect(request).to_contain_text("李*兰")
    expect(request).to_contain_text("138****5678")
    expect(request).not_to_contain_text("13812345678")
    reference = request.get_attribute("data-ref")
    assert reference and reference.startswith("SM")

    # The call-taker calls back about the time: the number in full, the reveal recorded.
    reveal = request.locator(".reveal-form")
    reveal.locator("[name=reason]").fill("电话告知上门时间")
    with desk.expect_navigation():
        reveal.locator("button").click()
    here = desk.locator(f"article[data-ref={reference}]")
    expect(here.locator(".contact-full")).to_contain_text("13812345678")
    expect(here.locator(".reveals")).to_contain_text("电话告知上门时间")

    book = f"article[data-ref={reference}] form.book-form"
    desk.locator(f"{book} [name=staff]").select_option("demo-operator")
    yesterday = (datetime.now(UTC).astimezone(SHANGHAI) - timedelta(days=1)).date()
    desk.locator(f"{book} [name=day]").fill(yesterday.isoformat())
    desk.locator(f"{book} [name=at]").fill("10:00")
    _submit(desk, book)
    expect(desk.locator(".flash.bad")).to_contain_text("已过")
    expect(desk.locator(".flash.bad")).to_contain_text("请预约以后的时间")

    # demo-operator has the demo's 09:30 visit on the next working day: 10:00 clashes.
    next_day = visit_days(datetime.now(UTC), 1)[0]
    desk.goto("/ops/home-visits?status=requested")
    desk.locator(f"{book} [name=staff]").select_option("demo-operator")
    desk.locator(f"{book} [name=day]").fill(next_day.isoformat())
    desk.locator(f"{book} [name=at]").fill("10:00")
    _submit(desk, book)
    expect(desk.locator(".flash.bad")).to_contain_text(f"已有上门 {ops.home_booked}")
    desk.goto("/ops/home-visits?status=requested")
    desk.locator(f"{book} [name=staff]").select_option("demo-operator")
    desk.locator(f"{book} [name=day]").fill(next_day.isoformat())
    desk.locator(f"{book} [name=at]").fill("14:00")
    _submit(desk, book)
    expect(desk.locator(".flash.ok")).to_have_text(f"{reference}：已预约 ✓")
    booked = desk.locator(f"article[data-ref={reference}]")
    expect(booked).to_have_attribute("data-status", "booked")
    expect(booked).to_contain_text("请电话告知申请人上门时间")
    shoot(desk, "home-visits-desk-zh")

    visitor = pages.sign_in("demo-operator", ops.logins[Role.OPERATOR].password, lang="en")
    visitor.goto("/ops/home-visits")
    mine = visitor.locator("#my-visits tbody tr[data-ref]")
    expect(mine).to_have_count(3)  # this morning's, and the next working day's two
    refs = {mine.nth(i).get_attribute("data-ref") for i in range(3)}
    assert refs == {ops.home_visited, ops.home_booked, reference}
    visited = f"article[data-ref={ops.home_visited}]"
    outcome = f"{visited} form.outcome-form"
    visitor.locator(f"{outcome} [name=outcome]").select_option("needs_documents")
    _submit(visitor, outcome)
    expect(visitor.locator(".flash.bad")).to_contain_text("Write which documents are missing")
    visitor.locator(f"{outcome} [name=outcome]").select_option("done")
    visitor.locator(f"{outcome} [name=note]").fill("Subsidy application filed with him at home")
    _submit(visitor, outcome)
    expect(visitor.locator(".flash.ok")).to_have_text("Outcome recorded ✓")
    visitor.goto("/ops/home-visits?status=done")
    rating = f"{visited} form.rating-form"
    visitor.locator(f"{rating} [name=level]").select_option("4")
    _submit(visitor, rating)
    expect(visitor.locator(".flash.ok")).to_have_text("Rating recorded ✓")
    expect(visitor.locator(visited)).to_contain_text("Resident's rating: 4 satisfied")
    expect(visitor.locator(f"{visited} form")).to_have_count(0)
    shoot(visitor, "home-visits-visitor-en")

    desk.goto("/ops/")
    expect(desk.locator("#v-home_waiting")).to_have_text("0")
    expect(desk.locator("#v-home_today")).to_have_text("1")
    expect(desk.locator("#v-home_done_7d")).to_have_text("1")
    shoot(desk, "dashboard-home-visits-zh")
