"""Every string the kiosk shows, in Chinese and English, and ``tr`` to pick one."""

from __future__ import annotations

from kiosk.config import Language

# key -> (Chinese, English)
STRINGS: dict[str, tuple[str, str]] = {
    "app.title": ("智理自助服务终端", "Zhili self-service terminal"),
    "app.subtitle": ("社区事务受理服务中心", "Community affairs centre"),
    # Home tiles: title and one-line subtitle.
    "tile.medical_booklet": ("医保就医记录册", "Medical record booklet"),
    "tile.medical_booklet.sub": (
        "打印医保就医记录，接续上次页码",
        "Print visit records, continuing the booklet",
    ),
    "tile.high_frequency": ("高频事项", "High-frequency matters"),
    "tile.high_frequency.sub": ("最常办理的服务事项", "The services people ask for most"),
    "tile.guides": ("办事指南", "Service guides"),
    "tile.guides.sub": ("材料、地点、时间与流程", "Materials, place, hours and steps"),
    "tile.no_certificate": ("无证件查询", "No-certificate queries"),
    "tile.no_certificate.sub": ("无需身份证件即可查询", "Look things up without an ID"),
    "tile.one_tap_consult": ("一键通咨询", "One-tap consult"),
    "tile.one_tap_consult.sub": ("到窗口前先咨询", "Ask before you go to a counter"),
    "tile.report_problem": ("问题上报", "Report a problem"),
    "tile.report_problem.sub": ("反映身边的城市管理问题", "Tell us about a problem nearby"),
    # Toggles.
    "toggle.elder_mode": ("长辈模式", "Elder mode"),
    "toggle.standard_mode": ("标准模式", "Standard mode"),
    "toggle.language.zh": ("中文", "中文"),
    "toggle.language.en": ("English", "English"),
    # Identification.
    "identify.hint": (
        "请插入社保卡或出示随申码",
        "Please insert your social security card or show your Suishen code",
    ),
    # Coming soon.
    "coming_soon.message": ("此功能即将开放", "This service is coming soon"),
    "coming_soon.detail": (
        "如需办理，请前往服务窗口咨询工作人员。",
        "For help now, please ask the staff at a service counter.",
    ),
    "nav.back_home": ("返回首页", "Back to home"),
    # Status bar: fleet agent states.
    "status.not_enrolled": ("未登记", "Not enrolled"),
    "status.enrolling": ("登记中", "Enrolling"),
    "status.online": ("在线", "Online"),
    "status.offline": ("离线", "Offline"),
    "status.rejected": ("登记被拒绝", "Enrollment refused"),
    "status.terminal": ("终端", "Terminal"),
}


def tr(key: str, language: Language | str) -> str:
    """The text for ``key`` in ``language``; an unknown key is a bug and raises KeyError."""
    chinese, english = STRINGS[key]
    return english if language == "en" else chinese
