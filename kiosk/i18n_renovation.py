"""The kiosk's words for renovation registration (merged into ``i18n.STRINGS``)."""

from __future__ import annotations

RENOVATION_STRINGS: dict[str, tuple[str, str]] = {
    "tile.renovation": ("装修报备", "Renovation sign-up"),
    "tile.renovation.sub": (
        "业主装修垃圾报备，签署承诺书",
        "Register renovation waste and sign the commitment",
    ),
    "renovation.loading": ("正在读取小区列表…", "Fetching the list of estates…"),
    "renovation.offline": (
        "暂时无法连接，装修报备请稍后再试或到窗口办理",
        "Cannot connect now; try again later or at the counter",
    ),
    "renovation.pick_compound": ("装修报备：在哪个小区？", "Renovation: which estate?"),
    "renovation.pick_period": ("装修多长时间？", "How long will the renovation take?"),
    "renovation.pick_volume": ("预计装修垃圾有多少？", "How much waste do you expect?"),
    "renovation.pick_kind": ("主要是哪类垃圾？", "What kind of waste, mostly?"),
    "renovation.months": ("{n} 个月（自今天起）", "{n} month(s), from today"),
    "renovation.volume": ("{m3} 立方米 · 清运费 ¥{fee}", "{m3} m³ · clearance fee ¥{fee}"),
    "renovation.kind.rubble": ("渣土碎砖", "Rubble: tiles, bricks, plaster"),
    "renovation.kind.mixed": ("装修混合垃圾", "Mixed renovation waste"),
    "renovation.kind.timber": ("木料板材", "Timber and boards"),
    "renovation.kind.fixtures": ("旧洁具门窗", "Old fixtures, doors and windows"),
    "renovation.form_title": ("请输入楼号、室号和手机号", "Building, room and phone"),
    "renovation.building": ("楼号", "Building"),
    "renovation.room": ("室号", "Room"),
    "renovation.phone": ("手机号", "Mobile phone"),
    "renovation.form_hint": (
        "点一下要填的格子，再按数字",
        "Tap the box to fill, then the digits",
    ),
    "renovation.need_building": ("请填写楼号", "Enter the building number"),
    "renovation.need_room": ("请填写室号", "Enter the room number"),
    "renovation.need_phone": ("请填写 11 位手机号", "Enter an 11-digit mobile number"),
    "renovation.next": ("下一步：签名", "Next: sign"),
    "renovation.sign_title": ("装修垃圾管理承诺书", "Renovation waste commitment"),
    "renovation.commitment": (
        "本人承诺：装修垃圾按预约时间投放到指定堆放点，不乱倒、不超量；按规定缴纳清运费。",
        "I will put renovation waste out only at the booked time and place, never elsewhere "
        "or more than booked, and pay the clearance fee.",
    ),
    "renovation.sign_here": ("请用手指在下方白框内签名", "Sign with your finger in the white box"),
    "renovation.clear": ("重新签名", "Sign again"),
    "renovation.submit": ("签名并提交", "Sign and send"),
    "renovation.need_signature": ("请先签名", "Please sign first"),
    "renovation.sending": ("正在提交…", "Sending…"),
    "renovation.done_active": (
        "报备成功，编号 {reference}。物业已报备，登记已生效。"
        "请到窗口缴纳清运费 ¥{fee} 后预约投放。",
        "Registered as {reference}. The property company has registered too: it is active. "
        "Pay the clearance fee of ¥{fee} at the counter, then book a drop-off.",
    ),
    "renovation.done_pending": (
        "报备成功，编号 {reference}。待物业公司报备后生效；清运费 ¥{fee}。",
        "Registered as {reference}. It becomes active once the property company registers "
        "too; the clearance fee is ¥{fee}.",
    ),
    "renovation.refused": ("未能报备：{reason}", "Not registered: {reason}"),
    "renovation.already": (
        "该房屋本期已报备过，请到窗口查询",
        "This flat is registered for this period already; ask at the counter",
    ),
    "renovation.failed": (
        "提交失败，请稍后再试或到窗口办理",
        "Sending failed; try again later or at the counter",
    ),
    "voice.renovation": ("请选择小区", "Choose the estate"),
    "voice.renovation.form": (
        "请输入楼号、室号和手机号",
        "Enter the building, the room and your mobile number",
    ),
    "voice.renovation.sign": (
        "请阅读承诺书，并在白框内签名",
        "Read the commitment and sign in the box",
    ),
}
