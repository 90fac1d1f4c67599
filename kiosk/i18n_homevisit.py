"""The kiosk's words for home services (上门服务), merged into ``i18n.STRINGS``."""

from __future__ import annotations

HOME_VISIT_STRINGS: dict[str, tuple[str, str]] = {
    "tile.home_visit": ("上门服务", "Home visit"),
    "tile.home_visit.sub": ("行动不便，工作人员上门办理", "Staff come to those who cannot"),
    "home_visit.title": ("上门服务：为谁申请？", "Home visit: who is it for?"),
    "home_visit.loading": ("正在查询，请稍候", "Looking it up, please wait"),
    "home_visit.offline": (
        "暂时连不上服务中心，请稍后再试或拨打 12345。",
        "The centre cannot be reached now; try later or call 12345.",
    ),
    "home_visit.failed": (
        "申请没有成功，请到服务窗口或拨打 12345。",
        "The request did not go through; please ask at a counter or call 12345.",
    ),
    "home_visit.for.person": ("为本人申请", "For myself"),
    "home_visit.for.relative": (
        "为家人申请（家人无法到场）",
        "For a family member who cannot come",
    ),
    "home_visit.line.booked": ("已预约 {when}：{matter}", "Booked {when}: {matter}"),
    "home_visit.line.waiting": ("已申请，待预约：{matter}", "Asked, not yet booked: {matter}"),
    "home_visit.pick_matter": ("要办理什么事项？", "Which matter?"),
    "home_visit.pick_reason": ("为什么无法到中心办理？", "Why can they not come to the centre?"),
    "home_visit.reason.lives_alone": ("独居老人", "Older person living alone"),
    "home_visit.reason.disability": ("残疾、行动不便", "Disability"),
    "home_visit.reason.illness": ("患病卧床", "Ill or bedridden"),
    "home_visit.reason.other": ("其他原因", "Another reason"),
    "home_visit.pick_time": ("什么时间方便上门？", "When suits for the visit?"),
    "home_visit.morning": ("上午", "morning"),
    "home_visit.afternoon": ("下午", "afternoon"),
    "home_visit.pick_road": ("住在哪条路上？", "On which road do they live?"),
    "home_visit.pick_landmark": ("门牌号是？", "Which house number?"),
    "home_visit.summary": ("{matter}\n{address}\n{when}", "{matter}\n{address}\n{when}"),
    "home_visit.sending": ("正在提交，请稍候", "Sending, please wait"),
    "home_visit.asked": (
        "已提交，编号 {reference}。工作人员安排好上门时间后，"
        "可凭本人证件在本机“上门服务”中查看并打印。",
        "Sent: reference {reference}. Once staff book the visit, see and print its time here "
        "under Home visit with your card.",
    ),
    "home_visit.booked": (
        "已预约上门：{when}，工作人员 {staff}。",
        "Visit booked: {when}, by {staff}.",
    ),
    "home_visit.waiting": (
        "编号 {reference}：工作人员正在安排上门时间。",
        "Reference {reference}: staff are arranging the visit's time.",
    ),
    "home_visit.print": ("打印凭条", "Print a slip"),
    "home_visit.slip.title": ("上门服务", "Home visit"),
    "home_visit.slip.reference": ("编号", "Reference"),
    "home_visit.slip.matter": ("事项", "Matter"),
    "home_visit.slip.address": ("地址", "Address"),
    "home_visit.slip.booked": ("上门时间", "Visit booked for"),
    "home_visit.slip.preferred": ("方便的时间", "Times that suit"),
    "home_visit.slip.next": ("下一步", "Next"),
    "home_visit.slip.footer": (
        "智理自助终端 · 上门服务凭条，请妥善保管",
        "Zhili kiosk · home visit slip: keep it",
    ),
    "home_visit.slip.how": (
        "工作人员安排好时间后，可凭本人证件在自助终端“上门服务”中查看并打印上门时间。",
        "Once staff book the visit, see and print its time at a kiosk under Home visit, "
        "with your card.",
    ),
    "voice.home_visit": ("请点选。", "Please choose."),
    "voice.home_visit.done": (
        "可以打印凭条，办完请点“办完了，去评价”。",
        "You can print a slip; when done, tap Done to rate this visit.",
    ),
}
