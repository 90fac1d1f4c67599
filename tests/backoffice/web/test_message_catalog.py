"""Every message the code words for a person that can reach an ops page has its Chinese: the
source is walked for each wording (errors raised, flashes, fleet alerts) and each is asked of
the pages' catalog with sample values. A new wording without Chinese fails here."""

from __future__ import annotations

import re
import string

from backoffice.fleet.schemas import TerminalCreate
from backoffice.web import i18n
from backoffice.web.forms import problems
from backoffice.web.messages_zh import WORDINGS_ZH
from tests.backoffice.web.wordings import SAMPLE, wordings

CJK = re.compile(r"[\u4e00-\u9fff]")
# Where the code shows a message it did not word itself, and whose wordings the walk covers
# instead (it walks the errors these pass on: BadImage, BadUrl, BadFrame, the geometry errors).
PASSED_ON = {
    ("cases/photos.py", "str(exc)"): "images.inspect_image's BadImage",
    ("cases/service.py", "str(exc)"): "cases.seed.parse_minute's ValueError (a time of day)",
    ("fleet/commands.py", "str(exc)"): "images.inspect_image's BadImage",
    ("notify/service.py", "str(exc)"): "outbound.check_url's BadUrl",
    ("renovations/service.py", "str(exc)"): "images.inspect_image's BadImage (a signature)",
    ("vision/router.py", "str(exc)"): "vision.sources.decode_image's BadFrame",
    ("vision/service.py", "str(exc)"): "BadUrl of a camera address, ZoneGeometryError",
    ("vision/sources.py", "str(exc)"): "images.inspect_image's BadImage",
    ("cases/kiosk_faults.py", "descriptions.render(fact, 'zh', '')"): (
        "a fact (cases/descriptions.py), which the pages render in their language"
    ),
    ("cases/lifecycle.py", "reason"): "the reason an action carries (a person's or the system's)",
    ("cases/service.py", "body.reason"): "the reason a person typed",
    ("web/forms.py", "done"): "the done message each page hands to attempt()",
    ("web/forms.py", "error.message"): "a DomainError's message",
    ("web/pages_cases.py", "error.message"): "a DomainError's message (contacts.reveal)",
    ("web/pages_cases.py", "missing.message"): "a NotFound's message",
    ("web/pages_fleet.py", "missing.message"): "a NotFound's message",
    ("web/pages_homeservice.py", "missing.message"): "a NotFound's message",
    ("web/pages_notify.py", "missing.message"): "a NotFound's message",
    ("web/pages_renovations.py", "missing.message"): "a NotFound's message",
    ("web/pages_services.py", "missing.message"): "a NotFound's message",
    ("web/pages_vision.py", "missing.message"): "a NotFound's message",
}


def needs_chinese(sample: str) -> bool:
    """Words in it, not only what the code fills in and signs (a number and a tick)."""
    return re.search("[A-Za-z]", sample.replace(SAMPLE, "")) is not None


def test_the_walk_finds_the_wordings() -> None:
    found = wordings()
    assert len(found) > 180
    samples = {w.sample for w in found}
    assert "Terminal 7 (7): 7 in fault: 7." in samples  # a fleet alert
    assert "Check the rule: 7" in samples  # a page's composite
    assert "The URL holds spaces or control characters." in samples  # passed on by a service
    assert "duplicate from 7" in samples  # a timeline line the system writes


def test_every_wording_that_can_reach_a_page_has_chinese() -> None:
    missing = [
        f"{w.where}: {w.sample}"
        for w in wordings()
        if w.sample is not None
        and needs_chinese(w.sample)
        and not CJK.search(i18n.translate_message(w.sample, "zh"))
    ]
    assert missing == []


def test_messages_shown_but_not_worded_here_are_the_known_ones() -> None:
    passed_on = {(w.where.rsplit(":", 1)[0], w.source) for w in wordings() if w.sample is None}
    assert passed_on == set(PASSED_ON)


def test_each_chinese_wording_fills_only_what_its_english_has() -> None:
    def names(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    wrong = {en: zh for en, zh in WORDINGS_ZH.items() if not names(zh) <= names(en)}
    assert wrong == {}


def test_composite_messages_translate_what_they_carry() -> None:
    zh = i18n.translate_message
    assert zh("Check the rule: Unknown place 'JSL-X'.", "zh") == "请检查规则：未知的地点「JSL-X」。"
    assert (
        zh("Terminal JSL-01 (愚园路1000号): printer in fault: paper_out.", "zh")
        == "终端 JSL-01（愚园路1000号）：打印机故障：缺纸。"
    )
    assert (
        zh("Terminal JSL-01 (愚园路1000号) is silent: never sent a heartbeat.", "zh")
        == "终端 JSL-01（愚园路1000号）已失联：从未发送心跳。"
    )
    assert zh("A unit token may not do this.", "zh") == "责任单位令牌无权执行此操作。"
    assert zh("WeCom refused it (errcode 93000)", "zh") == "政务微信拒收（错误码 93000）"
    # English pages keep the message as written; an unknown message stays as it is.
    assert zh("Check the rule: Unknown place 'JSL-X'.", "en") == (
        "Check the rule: Unknown place 'JSL-X'."
    )
    assert zh("Something nobody wrote.", "zh") == "Something nobody wrote."


def test_what_a_form_model_refuses_reads_in_chinese_field_by_field() -> None:
    try:
        TerminalCreate(code="JSL-09", name="x" * 101, kind="community_centre", place="")
    except ValueError as error:
        message = f"Check the terminal's code, name and kind: {problems(error)}"
    assert message == (
        "Check the terminal's code, name and kind: name: String should have at most 100 characters"
    )
    assert (
        i18n.translate_message(message, "zh")
        == "请检查终端的编码、名称和类型：名称：最多 100 个字符"
    )
    try:
        TerminalCreate.model_validate({"code": "", "name": ""})
    except ValueError as error:
        several = i18n.translate_message(
            f"Check the terminal's code, name and kind: {problems(error)}", "zh"
        )
    assert several.startswith("请检查终端的编码、名称和类型：编码：格式不符（")
    assert several.endswith("；名称：不能为空；类型：必填")
