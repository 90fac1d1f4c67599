"""Every string the kiosk shows, in Chinese and English, and ``tr`` to pick one."""

from __future__ import annotations

from kiosk.config import Language
from kiosk.i18n_homevisit import HOME_VISIT_STRINGS

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
    # Greeting once identified (masked name only) and what ends the visit.
    "greeting.hello": ("您好，{name}", "Hello, {name}"),
    "greeting.take_card": ("取走卡片即结束本次服务", "Take your card to end this visit"),
    "greeting.voice": ("您好，{name}。", "Hello, {name}."),
    # Offered to an older person once a card shows their age: one large button.
    "elder_offer.button": (
        "切换到长辈模式：字更大，有语音提示",
        "Switch to elder mode: larger text, spoken prompts",
    ),
    # Identify: card, Suishen code, or a typed ID number (which proves nothing).
    "identify.title": (
        "请插入社保卡，或出示随申码",
        "Insert your social security card, or show your Suishen code",
    ),
    "identify.why": ("办理“{service}”需要确认您的身份", '"{service}" needs to know who you are'),
    "identify.card": (
        "社保卡：芯片朝上，插入下方读卡口",
        "Card: chip facing up, into the slot below",
    ),
    "identify.title.either_card": (
        "请用身份证、社保卡或随申码",
        "ID card, social security card or Suishen code",
    ),
    "identify.either_card": (
        "身份证放在读卡区上，或社保卡插入读卡口",
        "ID card on the reader pad, or social security card into the slot",
    ),
    "identify.suishen": (
        "随申码：打开手机随申码，对准下方扫码口",
        "Suishen code: hold your phone's code to the scanner below",
    ),
    "identify.type": ("输入身份证号码", "Type your ID number"),
    "identify.type_limits": (
        "输入的号码只能用于无需身份证明的事项，不能查看或打印个人记录",
        "A typed number serves only matters that need no proof; it never opens personal records",
    ),
    "keypad.title": ("请输入 18 位身份证号码", "Type your 18-character ID number"),
    "keypad.delete": ("删除", "Delete"),
    "keypad.done": ("确定", "OK"),
    "keypad.feedback.empty": ("最后一位可以是 X", "The last character may be X"),
    "keypad.feedback.typing": ("已输入 {count} 位，还差 {left} 位", "{count} typed, {left} to go"),
    "keypad.feedback.bad_date": (
        "第 7 到 14 位的出生日期不对，请检查",
        "Characters 7 to 14 are not a real birth date; please check",
    ),
    "keypad.feedback.bad_check": (
        "号码校验不通过，请逐位核对",
        "This number fails its check; please compare it digit by digit",
    ),
    "keypad.feedback.x_too_early": ("X 只能是最后一位", "X can only be the last character"),
    "keypad.feedback.valid": ("号码正确，请点“确定”", "The number is correct; tap OK"),
    "typed.noted": (
        "已记下身份证号 {masked}。它只能用于无需身份证明的事项；打印医保记录请插卡或出示随申码。",
        "ID number {masked} noted. It serves only matters that need no proof; "
        "to print medical records, insert your card or show your Suishen code.",
    ),
    "suishen.offline": (
        "网络中断，暂时无法验证随申码，请插入社保卡或稍后再试",
        "No connection: the Suishen code cannot be checked now. Insert your card or try later.",
    ),
    "suishen.refused": (
        "随申码无效或已过期，请刷新后重新出示",
        "This Suishen code is not valid or has expired. Refresh it and show it again.",
    ),
    "card.refused": (
        "这张卡未能通过核验，不能用于查询或打印医保记录。请改用随申码，或到服务窗口办理。",
        "This card could not be verified, so it cannot open medical records. "
        "Please use your Suishen code, or go to a counter.",
    ),
    "suishen.upstream_down": (
        "随申码核验服务暂时无法连接，本次未办理任何事项。请稍后再试，或插入社保卡。",
        "The Suishen code check service is not answering right now, so nothing was done. "
        "Please try again later, or insert your social security card.",
    ),
    "card.upstream_down": (
        "社保卡核验服务暂时无法连接，本次未办理任何事项。请稍后再试，或出示随申码。",
        "The card check service is not answering right now, so nothing was done. "
        "Please try again later, or show your Suishen code.",
    ),
    "card.limit": (
        "本机此时段办理人数已满，请到服务窗口办理，或稍后再试。",
        "This terminal has served its limit of people for now. Please go to a counter, "
        "or try again later.",
    ),
    "voice.identify": (
        "请插入社保卡，或把手机上的随申码对准扫码口。",
        "Insert your social security card, or hold your Suishen code to the scanner.",
    ),
    "voice.keypad": (
        "请输入十八位身份证号码，输完点确定。",
        "Type your eighteen character ID number, then tap OK.",
    ),
    # Coming soon.
    "nav.back_home": ("返回首页", "Back to home"),
    "nav.finish": ("办完了，去评价", "Done: rate this visit"),
    # Offline: what still works and what does not.
    "offline.banner": (
        "网络暂时中断：您的评价会在恢复后自动发送；"
        "医保记录打印、随申码识别和一键通咨询需等网络恢复。",
        "No connection: your rating is sent once it is back. "
        "Printing medical records, Suishen codes and one-tap consults must wait.",
    ),
    # Idle warning (WCAG 2.2.1: at least 20 s to extend with one tap).
    "idle.title": ("您还在办理吗？", "Are you still there?"),
    "idle.countdown": (
        "{seconds} 秒后将结束本次服务，并清除您的信息",
        "In {seconds} s this visit ends and your details are cleared",
    ),
    "idle.continue": ("继续办理", "Continue"),
    "idle.voice": (
        "您还在办理吗？如需继续，请点屏幕中间的继续办理。",
        "Are you still there? To continue, tap Continue in the middle of the screen.",
    ),
    # Rating (好差评): five levels, 5..1.
    "rating.prompt": ("请为本次服务评价", "Please rate this visit"),
    "rating.level.5": ("非常满意", "Very satisfied"),
    "rating.level.4": ("满意", "Satisfied"),
    "rating.level.3": ("基本满意", "Fairly satisfied"),
    "rating.level.2": ("不满意", "Dissatisfied"),
    "rating.level.1": ("非常不满意", "Very dissatisfied"),
    "rating.reasons.prompt": (
        "很抱歉。请选择不满意的原因（可多选）",
        "We are sorry. What went wrong? (choose any)",
    ),
    "rating.reason.guide_inaccurate": ("办事指南不准确", "The guide was wrong"),
    "rating.reason.materials_unclear": ("材料说明不清楚", "Materials were unclear"),
    "rating.reason.hard_to_use": ("机器不好用", "The machine is hard to use"),
    "rating.reason.too_slow": ("用时太长", "It took too long"),
    "rating.reason.device_fault": ("设备有故障", "A device did not work"),
    "rating.reason.not_handled": ("事情没办成", "I could not get it done"),
    "rating.submit": ("提交评价", "Send rating"),
    "rating.thanks": ("感谢您的评价！", "Thank you for your rating!"),
    "rating.thanks.detail": (
        "您的信息已清除，欢迎再次使用。",
        "Your details have been cleared. Goodbye!",
    ),
    "rating.skip": ("不评价，结束", "Skip and finish"),
    "rating.callback.prompt": ("需要我们打电话回访您吗？", "May we call you back about this?"),
    "rating.callback.detail": (
        "电话号码只用于本次回访，加密保存，事情办结后删除。",
        "Your number is used only for this callback, kept encrypted, and deleted once the "
        "matter is closed.",
    ),
    "rating.callback.yes": ("可以，留下电话", "Yes, leave my number"),
    "rating.callback.no": ("不用了，提交评价", "No thanks, send rating"),
    "rating.phone.prompt": ("请输入您的手机号码", "Please type your phone number"),
    "rating.phone.delete": ("删除", "Delete"),
    "rating.phone.send": ("提交", "Send"),
    "rating.again": ("继续评价", "Rate again"),
    "counter.window": ("{code} 窗口", "Counter {code}"),
    "counter.staff": ("工号 {code}", "Staff {code}"),
    # Out of service.
    "out_of_service.title": ("暂停服务", "Out of service"),
    "out_of_service.detail": (
        "请前往服务窗口，工作人员会为您办理。",
        "Please go to a service counter; the staff will help you.",
    ),
    # One service out of service because a device it needs has failed.
    "service_out.title": ("“{service}”暂停服务", '"{service}" is out of service'),
    "service_out.detail": (
        "本机其他服务仍可使用。办理此项请前往服务窗口。",
        "Other services on this kiosk still work. For this one, please go to a service counter.",
    ),
    "service_out.no_printer": ("本机没有可用的打印机。", "This kiosk has no working printer."),
    "service_out.no_identification": (
        "读卡器和扫码口都不可用，无法确认您的身份。",
        "Neither the card reader nor the code scanner works, so you cannot be identified here.",
    ),
    "voice.service_out": (
        "这项服务暂停，请前往服务窗口办理。",
        "This service is paused here. Please go to a service counter.",
    ),
    # Voice prompts, one per screen (elder mode).
    "voice.home": (
        "欢迎使用。请插入社保卡，或点选您要办理的事项。",
        "Welcome. Insert your social security card, or tap the service you need.",
    ),
    "voice.rating": (
        "请为本次服务评价，点一个表情即可。",
        "Please rate this visit by tapping one face.",
    ),
    "voice.rating.reasons": (
        "很抱歉。请点选不满意的原因，再点提交评价。",
        "We are sorry. Tap what went wrong, then tap Send rating.",
    ),
    "voice.rating.thanks": ("感谢您的评价，再见。", "Thank you for your rating. Goodbye."),
    "voice.rating.callback": (
        "需要我们打电话回访您吗？号码只用于回访，办结后删除。",
        "May we call you back? Your number is used only for the callback and deleted later.",
    ),
    "voice.rating.phone": (
        "请输入您的手机号码，然后点提交。",
        "Type your phone number, then tap Send.",
    ),
    "voice.out_of_service": (
        "本机暂停服务，请前往服务窗口办理。",
        "This kiosk is out of service. Please go to a service counter.",
    ),
    # Lists of matters and categories (one page at a time: no scrolling gesture).
    "list.page": ("第 {page}/{pages} 页", "Page {page} of {pages}"),
    "nav.previous": ("上一页", "Previous"),
    "nav.next": ("下一页", "Next"),
    "nav.back": ("返回", "Back"),
    "catalog.none": (
        "暂时没有办事指南，请前往服务窗口咨询。",
        "No guides are available yet; please ask at a service counter.",
    ),
    "voice.matters": ("请点选您要办理的事项。", "Tap the matter you need."),
    "voice.categories": ("请点选事项的类别。", "Tap a kind of matter."),
    # A guide, page by page.
    "guide.steps": ("办理步骤", "Steps"),
    "guide.materials": ("所需材料：请点选您带了的", "Materials: tap the ones you have"),
    "guide.place": ("地点与时间", "Place and hours"),
    "guide.slip.materials": ("所需材料", "Materials"),
    "guide.next": ("接下来您可以", "What next"),
    "guide.part": ("（{part}/{parts}）", " ({part}/{parts})"),
    "guide.field.place": ("办理地点：{value}", "Place: {value}"),
    "guide.field.hours": ("办理时间：{value}", "Hours: {value}"),
    "guide.field.fee": ("收费标准：{value}", "Fee: {value}"),
    "guide.field.time_limit": ("办结时限：{value}", "Time limit: {value}"),
    "guide.optional": ("（可选）", " (optional)"),
    "precheck.none": ("本事项无需提交材料", "This matter needs no materials"),
    "precheck.complete": (
        "材料齐全，可以前往窗口办理",
        "You have every material; you can go to the counter",
    ),
    "precheck.missing": ("还缺 {count} 项材料：{names}", "{count} missing: {names}"),
    "guide.print": ("打印办事指南", "Print this guide"),
    "guide.consult": ("一键咨询工作人员", "Ask the staff (one tap)"),
    "guide.consult.precheck": ("把材料预审发给工作人员", "Send the pre-check to the staff"),
    "consult.question": (
        "请工作人员介绍“{name}”的办理要求。",
        'Please tell me what "{name}" requires.',
    ),
    "consult.sent": (
        "已发送。咨询编号：{reference}。凭编号可在“无证件查询”中查看答复。",
        "Sent. Reference number: {reference}. Read the answer under No-certificate queries.",
    ),
    "consult.print": ("打印咨询编号", "Print the reference number"),
    "consult.slip.title": ("一键通咨询", "One-tap consult"),
    "consult.slip.reference": ("咨询编号", "Reference number"),
    "consult.failed": (
        "咨询未能发送，请到服务窗口咨询工作人员。",
        "The consult could not be sent; please ask at a service counter.",
    ),
    "consult.offline": (
        "网络中断，咨询需等网络恢复；请到服务窗口咨询。",
        "No connection: consults must wait. Please ask at a service counter.",
    ),
    "voice.guide": (
        "这是办事指南。点下一页继续，点返回回到上一步。",
        "This is the guide. Tap Next to go on, or Back to go back.",
    ),
    # Printing a slip.
    "print.printing": ("正在打印，请稍候", "Printing, please wait"),
    "print.done": ("已打印，请从出纸口取走", "Printed: please take it from the slot"),
    "print.no_printer": (
        "本机没有打印机，请拍照或记下",
        "This kiosk has no printer; please take a photo or note it down",
    ),
    "print.paper_out": (
        "打印纸用完了，请告诉工作人员加纸",
        "The printer is out of paper; please ask the staff to refill it",
    ),
    "print.failed": (
        "打印机暂时不能用，请到服务窗口咨询",
        "The printer is not working; please ask at a service counter",
    ),
    # Reading a consult's answer by its reference number.
    "noncert.read_answer": ("查看咨询答复", "Read a consult answer"),
    "answer.title": ("请输入咨询编号 ZX 后面的 8 位", "Type the 8 characters after ZX"),
    "answer.lookup": ("查看答复", "Show the answer"),
    "answer.typing": ("已输入 {count} 位，还差 {left} 位", "{count} typed, {left} to go"),
    "answer.waiting": (
        "工作人员还没有答复，请稍后再查",
        "No answer yet; please check again later",
    ),
    "answer.text": ("答复：{answer}", "Answer: {answer}"),
    "answer.print": ("打印答复", "Print the answer"),
    "answer.slip.title": ("一键通咨询答复", "Answer to a one-tap consult"),
    "answer.slip.answer": ("答复", "Answer"),
    "answer.not_found": (
        "没有这个编号，请核对咨询单",
        "No consult has this number; check the slip",
    ),
    "answer.offline": (
        "网络中断，暂时无法查看答复，请稍后再试",
        "No connection: the answer cannot be read now; please try later",
    ),
    "voice.answer": (
        "请输入咨询编号字母 Z X 后面的八位，再点查看答复。",
        "Type the eight characters after Z X, then tap Show the answer.",
    ),
    # A catalog query that answers: a receipt number first, or who the person is.
    "query.personal": ("个人信息查询", "Personal look-ups"),
    "query.asking": ("正在查询，请稍候", "Looking it up, please wait"),
    "query.reference": (
        "请输入受理回执上的 12 位回执号",
        "Type the 12-digit number on your receipt",
    ),
    "query.typing": ("已输入 {count} 位，还差 {left} 位", "{count} typed, {left} to go"),
    "query.lookup": ("查询", "Look it up"),
    "query.print": ("打印查询结果", "Print the result"),
    "query.person": ("查询人：{name}  {id}", "For: {name}  {id}"),
    "query.as_of": ("数据截至 {when}", "As of {when}"),
    "query.result": ("查询结果", "Result"),
    "query.entry": ("第 {n} 条", "Entry {n}"),
    "query.slip.heading": ("查询信息", "About this look-up"),
    "query.more": ("共 {count} 条，其余请看屏幕或打印", "{count} entries: see the screen or print"),
    "query.slip.footer": (
        "智理自助终端 · 查询结果仅供参考，以窗口受理为准",
        "Zhili kiosk · for reference; the counter's records decide",
    ),
    "query.unavailable": (
        "查询服务暂时无法连接，本次没有查到结果。请几分钟后再试，或到窗口咨询。",
        "The query service is not answering right now, so nothing was found. Please try again "
        "in a few minutes, or ask at the counter.",
    ),
    "query.offline": (
        "网络中断，暂时无法查询，请稍后再试或到窗口咨询",
        "No connection: nothing can be looked up now; please try later or ask at the counter",
    ),
    "query.not_found": (
        "没有查到这个回执号，请核对受理回执",
        "No record has this number; check your receipt",
    ),
    "query.no_record": (
        "查询服务中没有您的记录，请到窗口咨询",
        "The query service has no record of you; please ask at the counter",
    ),
    "query.identify_again": (
        "身份确认已过期，请重新刷卡或扫码",
        "Your identification has expired; show your card or code again",
    ),
    "query.failed": (
        "暂时无法查询，请到窗口咨询",
        "This cannot be looked up now; please ask at the counter",
    ),
    "voice.query": (
        "请输入受理回执上的回执号，再点查询。",
        "Type the number on your receipt, then tap Look it up.",
    ),
    # Reporting a problem: the type, then the road, then the case number.
    "report.pick_type": ("问题上报：是什么问题？", "Report a problem: what is it?"),
    "report.pick_road": ("在哪条路上？", "On which road?"),
    "report.pick_landmark": (
        "在这条路的什么位置？（路口、门牌号或堆放点）",
        "Where on the road? (a crossing, a house number or a collection point)",
    ),
    "report.unavailable": (
        "问题上报需等网络恢复，请稍后再试或拨打 12345。",
        "Reporting must wait for the connection; try later or call 12345.",
    ),
    "report.sending": ("正在提交，请稍候", "Sending, please wait"),
    "report.filed": (
        "已受理，案件编号：{number}。感谢您的反映！",
        "Received. Case number: {number}. Thank you!",
    ),
    "report.queued": (
        "已保存，网络恢复后自动提交。感谢您的反映！",
        "Saved: it is sent once the connection is back. Thank you!",
    ),
    "report.failed": (
        "上报未能受理，请到服务窗口反映或拨打 12345。",
        "The report was not accepted; please tell a service counter or call 12345.",
    ),
    "nav.end": ("结束本次服务", "End this visit"),
    "report.summary": ("{type}，{road}", "{type}, {road}"),
    "report.photo.title": ("加一张照片吗？（可不加）", "Add a photo? (optional)"),
    "report.photo.how": (
        "把手机里的照片对准下方摄像头，再点“拍照”",
        "Hold a photo on your phone up to the camera below, then tap Take photo",
    ),
    "report.photo.take": ("拍照", "Take photo"),
    "report.photo.retake": ("重拍", "Retake"),
    "report.photo.send": ("用这张照片提交", "Send with photo"),
    "report.photo.skip": ("不加照片直接提交", "Send, no photo"),
    "report.photo.failed": (
        "摄像头没有拍到画面，可以不加照片直接提交",
        "The camera took no picture; you can send without a photo",
    ),
    "voice.report.photo": (
        "可以拍一张照片一起提交，也可以直接提交。",
        "You can add a photo, or send the report without one.",
    ),
    "voice.report": ("请点选您要反映的问题。", "Tap the problem you want to report."),
    "voice.report.road": ("请点选问题所在的道路。", "Tap the road where it is."),
    "voice.report.landmark": (
        "请点选离问题最近的路口、门牌号或堆放点。",
        "Tap the crossing, house number or collection point nearest to it.",
    ),
    # The medical record booklet: fetch, preview, print with progress, paper-out resume.
    "booklet.title": ("医保就医记录册打印", "Print the medical record booklet"),
    "booklet.loading": (
        "正在查询您的就医记录，请稍候",
        "Looking up your visit records, please wait",
    ),
    "booklet.waiting": (
        "共 {count} 条新记录，从第 {page} 页第 {line} 行开始",
        "{count} new records, starting on page {page}, line {line}",
    ),
    "booklet.view": (
        "预览：第 {page} 页（{part}/{parts}）",
        "Preview: page {page} ({part}/{parts})",
    ),
    "booklet.paste": (
        "每页单独打印，请贴在记录册对应页上",
        "Each page prints on its own: paste it onto that page of your booklet",
    ),
    "booklet.print": ("开始打印", "Print"),
    "booklet.printing": (
        "正在打印第 {done}/{pages} 页，请稍候",
        "Printing page {done} of {pages}, please wait",
    ),
    "booklet.stopped": (
        "已打印 {printed} 条，还剩 {left} 条。{reason}",
        "{printed} printed, {left} to go. {reason}",
    ),
    "booklet.resume": ("已处理好，继续打印", "Fixed: continue printing"),
    "booklet.done": (
        "打印完成，共 {count} 条。请取走纸张，贴在记录册第 {page} 页起",
        "Done: {count} records printed. Take the paper and paste it from page {page}",
    ),
    "booklet.nothing": (
        "您的记录册已是最新，没有需要打印的新记录",
        "Your booklet is up to date: there are no new records to print",
    ),
    "booklet.full": (
        "您的记录册已写满。请带身份证或社保卡和这本记录册，到社区事务受理服务中心医保窗口领取新册；"
        "工作人员登记后，下次打印从新册第1页开始，尚未打印的记录一条不少。",
        "Your booklet is full. Bring your ID or social security card and this booklet to the "
        "medical insurance counter of the community affairs centre for a new one; once the "
        "staff register it, the next print starts on page 1 of the new booklet and no record "
        "is left out.",
    ),
    "booklet.full_after": (
        "打印这些后记录册将写满，其余记录请到社区事务受理服务中心医保窗口领取新册后再打印",
        "After this print the booklet is full: get a new one at the medical insurance counter "
        "of the community affairs centre to print the rest",
    ),
    "booklet.new_booklet": (
        "这是您的第{number}本记录册，从第1页开始打印",
        "This is your booklet number {number}: printing starts on its page 1",
    ),
    "booklet.upstream_down": (
        "医保就医记录系统暂时无法连接，本次没有打印任何内容。请稍后再试，或到医保窗口办理。",
        "The medical-insurance records service is not answering right now, so nothing was "
        "printed. Please try again later, or ask at the medical insurance counter.",
    ),
    "booklet.offline": (
        "网络中断，暂时无法查询就医记录，请稍后再试或到医保窗口办理",
        "No connection: visit records cannot be looked up now. Try later or ask at the counter",
    ),
    "booklet.failed": (
        "未能查询到您的就医记录，请到医保窗口咨询",
        "Your visit records could not be found: please ask at the medical insurance counter",
    ),
    "voice.booklet": (
        "请核对预览，然后点“开始打印”。",
        "Check the preview, then tap Print.",
    ),
    # Status bar: fleet agent states.
    "status.not_enrolled": ("未登记", "Not enrolled"),
    "status.enrolling": ("登记中", "Enrolling"),
    "status.online": ("在线", "Online"),
    "status.offline": ("离线", "Offline"),
    "status.rejected": ("登记被拒绝", "Enrollment refused"),
    "status.terminal": ("终端", "Terminal"),
}

STRINGS.update(HOME_VISIT_STRINGS)


def tr(key: str, language: Language | str) -> str:
    """The text for ``key`` in ``language``; an unknown key is a bug and raises KeyError."""
    chinese, english = STRINGS[key]
    return english if language == "en" else chinese
