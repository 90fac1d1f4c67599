"""Chinese for the renovation pages (merged into `i18n.ZH`), kept beside them."""

from __future__ import annotations

ZH_RENOVATIONS: dict[str, str] = {
    "Renovations": "装修垃圾",
    "Renovation": "装修登记",
    "Registrations": "装修登记",
    "Reference": "登记编号",
    "Compound": "小区",
    "Building": "楼号",
    "Room": "室号",
    "Period": "装修期",
    "Period from": "装修开始",
    "Period to": "装修结束",
    "Expected volume (m³)": "预计垃圾量（立方米）",
    "Expected waste": "预计垃圾",
    "Kind of waste": "垃圾种类",
    "Owner": "业主",
    "Owner's ID number": "业主身份证号",
    "Owner's name": "业主姓名",
    "Phone for callbacks": "回访电话",
    "Property company": "物业公司",
    "Fee": "清运费",
    "Bookings": "预约投放",
    "Register": "登记",
    "Register for the property company": "物业公司报备",
    "Register the owner at the counter": "窗口业主报备",
    "The owner signs the commitment here": "业主在此签署承诺书",
    "Clear the signature": "重新签名",
    "Signature": "签名",
    "Sign": "签署",
    "Commitment": "承诺书",
    "No renovation is registered yet.": "暂无装修登记。",
    "Drop-off slots": "投放时段",
    "Drop-off slot": "投放时段",
    "Collection point": "堆放点",
    "Window": "时段",
    "Booked / capacity (m³)": "已约 / 容量（立方米）",
    "Capacity (m³)": "容量（立方米）",
    "Add the slot": "新增时段",
    "Clearance schedule": "清运计划",
    "Clear by": "清运时限",
    "Cleared": "已清运",
    "Nothing to clear.": "暂无待清运。",
    "Record the fee as paid": "登记已缴费",
    "Receipt number": "收据号",
    "Paid": "已缴",
    "paid": "已缴",
    "not paid yet": "未缴费",
    "not registered yet": "未报备",
    "not signed yet": "未签署",
    "Waiting for": "尚缺",
    "Book a drop-off": "预约投放",
    "Book": "预约",
    "Volume (m³)": "数量（立方米）",
    "No booking yet.": "暂无预约。",
    "Seen by the patrol": "巡屏所见",
    "Cases about its bookings": "相关案件",
    "renovation_pending": "待完成",
    "renovation_active": "已生效",
    "waste_rubble": "渣土碎砖",
    "waste_mixed": "装修混合垃圾",
    "waste_timber": "木料板材",
    "waste_fixtures": "旧洁具门窗",
    "channel_kiosk": "自助终端",
    "channel_counter": "窗口",
    "channel_pages": "城运页面",
    "channel_unit_api": "单位接口",
    "missing_owner_registration": "业主报备",
    "missing_property_registration": "物业报备",
    "missing_signed_commitment": "签署承诺书",
    "finding_no_booking": "无预约堆放",
    "finding_over_volume": "超出预约量",
    "finding_after_window": "超时未清",
    "finding_clearance_overdue": "清运超时",
    "Renovation waste": "装修垃圾",
    "Active renovations": "在施装修",
    "Drop-offs today": "今日预约投放",
    "Clearances overdue": "清运超时",
    "Piles outside bookings per compound": "各小区预约外堆放",
    "weekly_registrations": "装修登记",
    "weekly_bookings": "预约投放",
    "weekly_on_time_clearance_rate": "按时清运率",
    "weekly_clearance_hours": "清运时长（小时）",
    "owner": "业主",
    "property company": "物业公司",
    "the owner's registration (at a kiosk or the counter)": "业主报备（自助终端或窗口）",
    "the property company's registration": "物业公司报备",
    "the owner's signed commitment": "业主签署的承诺书",
    # messages from the handlers
    "Type the owner's ID number.": "请输入业主身份证号。",
    "Type the receipt's number.": "请输入收据号。",
    "Have the owner sign on the pad first.": "请业主先在签名板上签名。",
}

# What the renovation services and pages refuse, as the code words it (see messages_zh).
RENOVATION_WORDINGS_ZH: dict[str, str] = {
    "At the counter, type the owner's ID number.": "窗口办理请输入业主身份证号。",
    "A kiosk sends no ID number or name: the identification token says who registers.": (
        "自助终端不发送身份证号或姓名：由身份核验令牌确认报备人。"
    ),
    "Sign the commitment on the screen first: the registration carries the signature.": (
        "请先在屏幕上签署承诺书：报备须附签名。"
    ),
    "Booking {id} is cleared by the unit of its collection point, not yours.": (
        "预约 {id} 由其堆放点的责任单位清运，不是您的单位。"
    ),
    "The ID number is not a valid 18-character resident ID number (its check character does "
    "not match); check what was typed.": (
        "身份证号不是有效的 18 位居民身份证号（校验码不符），请核对输入。"
    ),
    "No renovation has the reference '{ref}'; it is on the owner's slip.": (
        "没有编号为「{ref}」的装修登记；编号印在业主的回执上。"
    ),
    "No compound has the code '{code}'; GET /api/v1/places?kind=compound lists them.": (
        "没有编码为「{code}」的小区；GET /api/v1/places?kind=compound 可查看。"
    ),
    "Compound {code} has no property company on record; an administrator sets its unit first.": (
        "小区 {code} 没有登记物业公司，请管理员先设置其责任单位。"
    ),
    "The period ends before it starts; swap the dates.": "装修期结束早于开始，请调换日期。",
    "A renovation period is at most {n} days; register a longer one again when this one ends.": (
        "装修期最长 {n} 天；更长的装修请在本期结束后再次报备。"
    ),
    "The period ended on {day}; register the renovation's coming period.": (
        "该装修期已于 {day} 结束，请报备即将开始的装修期。"
    ),
    "{flat} is registered for {start} to {end} (reference {ref}); register that same period, "
    "or have the {side} correct theirs first.": (
        "{flat} 已报备 {start} 至 {end}（编号 {ref}）；请报备相同的装修期，或请{side}先更正其报备。"
    ),
    "The signature image is over 512 KiB.": "签名图片超过 512 KiB。",
    "Compound {code} is managed by another property company; register only the compounds your "
    "unit manages.": "小区 {code} 由其他物业公司管理，只能报备本单位管理的小区。",
    "The commitment of {ref} is signed already.": "{ref} 的承诺书已签署。",
    "The fee of {ref} was recorded paid at {when} (receipt {receipt}).": (
        "{ref} 的清运费已于 {when} 登记缴纳（收据 {receipt}）。"
    ),
    "Collection point {code} takes no renovation waste; an administrator adds it with POST "
    "/api/v1/renovations/points first.": (
        "堆放点 {code} 不接收装修垃圾，请管理员先通过 POST /api/v1/renovations/points 添加。"
    ),
    "No collection point has the code '{code}'; GET /api/v1/places?kind=collection_point lists "
    "them.": "没有编码为「{code}」的堆放点；GET /api/v1/places?kind=collection_point 可查看。",
    "The slot ends before it starts; swap the times.": "时段结束早于开始，请调换时间。",
    "A drop-off slot lasts at most 24 hours.": "一个投放时段最长 24 小时。",
    "Slot {id} at {code} overlaps this one ({start} to {end}); choose another time.": (
        "{code} 的时段 {id}（{start} 至 {end}）与此时段重叠，请另选时间。"
    ),
    "Renovation {ref} is not active yet: it waits for {waiting}. Book once it is complete.": (
        "装修登记 {ref} 尚未生效，尚缺：{waiting}。齐全后再预约。"
    ),
    "Record the clearance fee of ¥{fee} for {ref} first (POST /api/v1/renovations/{ref2}/fee); "
    "the fee is paid before any booking.": (
        "请先登记 {ref} 的清运费 ¥{fee}（POST /api/v1/renovations/{ref2}/fee）；须先缴费再预约。"
    ),
    "No drop-off slot has the id {id}; GET /api/v1/renovations/slots lists them.": (
        "没有编号为 {id} 的投放时段；GET /api/v1/renovations/slots 可查看。"
    ),
    "Slot {id} ({when}) lies outside the renovation's period {start} to {end}; choose a slot "
    "inside it.": "时段 {id}（{when}）不在装修期 {start} 至 {end} 内，请选择装修期内的时段。",
    "Slot {id} is over; choose a coming slot.": "时段 {id} 已过，请选择之后的时段。",
    "{ref} has booked slot {id} already.": "{ref} 已预约时段 {id}。",
    "{ref} is registered (and paid) for {volume} m³ and has booked {booked} m³; book at most "
    "{left} m³.": (
        "{ref} 登记（并缴费）{volume} 立方米，已预约 {booked} 立方米，最多还可预约 {left} 立方米。"
    ),
    "Slot {id} has {left} m³ left of its {capacity} m³; book at most that, or choose another "
    "slot.": ("时段 {id} 容量 {capacity} 立方米，尚余 {left} 立方米；请不超过余量，或另选时段。"),
    "No booking has the id '{id}'.": "没有编号为「{id}」的预约。",
    "Booking {id} was cleared at {when}.": "预约 {id} 已于 {when} 清运。",
    "Booking {id}'s window opens at {when}; there is nothing to clear yet.": (
        "预约 {id} 的时段 {when} 才开始，尚无可清运的垃圾。"
    ),
    "The signature is not valid base64; send the PNG's bytes in base64.": (
        "签名不是有效的 base64，请以 base64 发送 PNG 图片。"
    ),
    "The owner of {flat} has registered this period already (reference {ref}, {start} to "
    "{end}); use that registration.": (
        "{flat} 的业主已报备此装修期（编号 {ref}，{start} 至 {end}），请使用该登记。"
    ),
    "The fee for {volume} m³ is paid already; register that volume.": (
        "已按 {volume} 立方米缴费，请按该数量报备。"
    ),
    "The property company has registered {flat} for this period already (reference {ref}, "
    "{start} to {end}); use that registration.": (
        "物业公司已报备 {flat} 的此装修期（编号 {ref}，{start} 至 {end}），请使用该登记。"
    ),
    "The owner has not registered this flat yet: give the expected volume_m3 and waste_kind.": (
        "业主尚未报备此房屋：请填写预计垃圾量 volume_m3 和垃圾种类 waste_kind。"
    ),
    "The commitment is not signed yet.": "承诺书尚未签署。",
    "Booking {id} is cleared by its collection point's unit.": (
        "预约 {id} 由其堆放点的责任单位清运。"
    ),
}
