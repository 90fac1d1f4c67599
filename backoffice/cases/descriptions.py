"""What the system writes on a case (AI patrol, kiosk filings, bad ratings, time-limit
escalations, rule dispatch), kept as a fact (a kind and its parameters) and rendered in the
reader's language when shown.

The stored `description` / `reason` text stays the Chinese rendering, for the APIs and exports
that read text; pages render the fact in their own language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Fact = dict[str, Any]

AI_NO_PARKING = "ai_no_parking"
AI_FILL = "ai_fill"
KIOSK_REPORT = "kiosk_report"
SLA_BREACH = "sla_breach"
RULE_DISPATCH = "rule_dispatch"
BAD_RATING = "bad_rating"
RENOVATION_NO_BOOKING = "renovation_no_booking"
RENOVATION_OVER_BOOKING = "renovation_over_booking"
RENOVATION_AFTER_WINDOW = "renovation_after_window"
RENOVATION_CLEARANCE_OVERDUE = "renovation_clearance_overdue"
KIOSK_DEVICE_FAULT = "kiosk_device_fault"
KIOSK_SILENT = "kiosk_silent"
KIOSK_DEVICE_WELL = "kiosk_device_well"
KIOSK_HEARD_AGAIN = "kiosk_heard_again"

# Parameters are formatted by Python's str.format; percentages are given as shares (0.52).
TEMPLATES: dict[str, dict[str, str]] = {
    AI_NO_PARKING: {
        "zh": (
            "AI智能巡屏：禁停区「{zone}」内停放共享单车 {count} 辆，"
            "已持续 {minutes} 分钟（摄像头 {camera}）。"
        ),
        "en": (
            "AI patrol: {count} shared bike(s) parked in no-parking zone '{zone}' for {minutes} "
            "min (camera {camera})."
        ),
    },
    AI_FILL: {
        "zh": (
            "AI智能巡屏：堆放点「{zone}」已满 {fill:.0%}（阈值 {threshold:.0%}），"
            "已持续 {minutes} 分钟（摄像头 {camera}）。"
        ),
        "en": (
            "AI patrol: collection point '{zone}' is {fill:.0%} full (threshold {threshold:.0%}) "
            "for {minutes} min (camera {camera})."
        ),
    },
    KIOSK_REPORT: {
        "zh": "自助终端 {terminal} 居民上报",
        "en": "Reported by a resident at kiosk {terminal}",
    },
    SLA_BREACH: {
        "zh": "超过处置时限（应于 {due} 前处置）",
        "en": "Time limit breached (due {due})",
    },
    BAD_RATING: {
        "zh": (
            "政务服务差评（{level}级 {level_zh}）：事项 {item} {item_zh}；终端 {terminal}"
            "（{place}）；原因：{reasons}；评价内容：{comment}"
        ),
        "en": (
            "Bad service rating (level {level}, {level_en}): matter {item} {item_en}; terminal "
            "{terminal} ({place}); reasons: {reasons}; comment: {comment}"
        ),
    },
    RENOVATION_NO_BOOKING: {
        "zh": (
            "AI智能巡屏：装修垃圾堆放点「{zone}」在无预约时段堆放垃圾（填充率 {fill:.0%}），"
            "已持续 {minutes} 分钟（摄像头 {camera}）。"
        ),
        "en": (
            "AI patrol: waste at renovation point '{zone}' outside any booking ({fill:.0%} "
            "full) for {minutes} min (camera {camera})."
        ),
    },
    RENOVATION_OVER_BOOKING: {
        "zh": (
            "AI智能巡屏：装修垃圾堆放点「{zone}」堆放量超过预约（填充率 {fill:.0%}，"
            "预约允许 {allowed:.0%}；预约 {booking}；摄像头 {camera}）。"
        ),
        "en": (
            "AI patrol: the pile at renovation point '{zone}' is bigger than booked ({fill:.0%} "
            "full, the bookings allow {allowed:.0%}; booking {booking}; camera {camera})."
        ),
    },
    RENOVATION_AFTER_WINDOW: {
        "zh": (
            "AI智能巡屏：装修垃圾堆放点「{zone}」预约时段及宽限期已过，垃圾仍未清走"
            "（填充率 {fill:.0%}，预约 {booking}），已持续 {minutes} 分钟（摄像头 {camera}）。"
        ),
        "en": (
            "AI patrol: waste left at renovation point '{zone}' after its booked window and "
            "grace time ({fill:.0%} full, booking {booking}) for {minutes} min (camera {camera})."
        ),
    },
    RENOVATION_CLEARANCE_OVERDUE: {
        "zh": (
            "装修垃圾清运超时：堆放点「{point}」预约 {reference}（{volume} 立方米）"
            "应于 {due} 前清运。"
        ),
        "en": (
            "Renovation waste clearance overdue: point '{point}', renovation {reference} "
            "({volume} m³), due by {due}."
        ),
    },
    RULE_DISPATCH: {
        "zh": "按派单规则 {rule} 自动派遣",
        "en": "Dispatched by rule {rule}",
    },
    # The fleet's device faults and silent terminals (cases/kiosk_faults.py); the device and
    # fault words come from that module's tables, in each language.
    KIOSK_DEVICE_FAULT: {
        "zh": "自助终端 {terminal}（{place}）{device_zh}{fault_zh}，心跳报告于 {since}。",
        "en": "Kiosk {terminal} ({place}): {device_en} {fault_en}, reported by its heartbeat "
        "at {since}.",
    },
    KIOSK_SILENT: {
        "zh": "自助终端 {terminal}（{place}）已失联：{since_zh}。",
        "en": "Kiosk {terminal} ({place}) is silent: {since_en}.",
    },
    KIOSK_DEVICE_WELL: {
        "zh": "终端心跳显示{device_zh}已恢复正常，自动结案",
        "en": "The terminal's heartbeat shows the {device_en} well again; closed automatically",
    },
    KIOSK_HEARD_AGAIN: {
        "zh": "终端已恢复心跳，自动结案",
        "en": "The terminal sends heartbeats again; closed automatically",
    },
}


def fact(kind: str, **params: Any) -> Fact:
    """A fact to store; raises KeyError for a kind with no wording, so none is stored unread."""
    if kind not in TEMPLATES:
        raise KeyError(kind)
    return {"kind": kind, "params": params}


def render(stored: Mapping[str, Any] | None, lang: str, fallback: str) -> str:
    """The fact in `lang` ("zh" or "en"); the stored text when there is no fact or it does not
    fit its template (a fact from a newer version, a parameter missing)."""
    if not stored:
        return fallback
    wording = TEMPLATES.get(str(stored.get("kind")), {})
    template = wording.get(lang) or wording.get("zh")
    if template is None:
        return fallback
    try:
        return template.format(**dict(stored.get("params") or {}))
    except (KeyError, ValueError, TypeError, IndexError):
        return fallback
