"""The Chinese of every message the back office words for a person that can reach an ops page:
each wording as the code writes it, with {name} where the code fills something in, and its
Chinese with the same names. `i18n.translate_message` matches a whole message against these;
what fills a {name} is translated too (a term such as a state or a device, or a message passed
on inside another, as in "Check the rule: {error}").

tests/backoffice/web/test_message_catalog.py walks the source for every such wording (errors
raised, flashes, fleet alerts) and fails when one has no Chinese here or in `i18n`.
"""

from __future__ import annotations

from backoffice.web.i18n_renovations import RENOVATION_WORDINGS_ZH

# Words the code fills into messages, by their English (or code) form.
TERMS_ZH: dict[str, str] = {
    # token kinds, terminal devices and their faults
    "staff": "工作人员",
    "unit": "责任单位",
    "terminal": "终端",
    "card_reader": "社保卡读卡器",
    "id_card_reader": "身份证阅读器",
    "qr_camera": "扫码摄像头",
    "paper_out": "缺纸",
    "cover_open": "纸仓盖未合上",
    "offline": "未就绪",
    "unreachable": "无法连接",
    "camera_missing": "摄像头不可用",
    "no reason given": "未说明原因",
    # what an image is
    "photo": "照片",
    "screenshot": "截图",
    "frame": "画面",
    # place kinds
    "community": "居民区",
    "grid": "网格",
    "road": "道路",
    "compound": "小区",
    "building": "楼宇",
    "park": "园区",
    "collection_point": "堆放点",
    "collection point": "堆放点",
    # command kinds
    "lock": "锁定",
    "unlock": "解锁",
    "reload_content": "刷新内容",
    "restart_app": "重启应用",
    "print_test_page": "打印测试页",
    "push_config": "下发配置",
    "cancelled": "已取消",
    # outbox problems a heartbeat reports
    "an outbox item was refused": "一条待发送记录被拒收",
    "its outbox file was corrupt": "待发送文件损坏",
    "never sent a heartbeat": "从未发送心跳",
    # form fields a page's model names in what it refuses
    "code": "编码",
    "name": "名称",
    "kind": "类型",
    "place": "地点",
    "message": "说明",
    "config": "配置",
    "polygon": "多边形",
    "type_code": "案件类型",
    "unit_code": "责任单位",
    "place_code": "地点编码",
    "road_code": "道路",
    "grid_code": "网格",
    "priority": "优先级",
    "start": "开始时间",
    "end": "结束时间",
    "enabled_services": "开通事项",
}

WORDINGS_ZH: dict[str, str] = {
    # --- what a form's model refuses (web.forms.problems: "field: message; ...") --------------
    "Field required": "必填",
    "String should have at most {n} characters": "最多 {n} 个字符",
    "String should have at least {n} characters": "至少 {n} 个字符",
    "String should have at least 1 character": "不能为空",
    "String should match pattern '{pattern}'": "格式不符（{pattern}）",
    "Input should be {expected}": "应为 {expected}",
    "Input should be a valid integer, unable to parse string as an integer": "应为整数",
    "Input should be a valid number, unable to parse string as a number": "应为数字",
    "Input should be greater than or equal to {n}": "应不小于 {n}",
    "Input should be less than or equal to {n}": "应不大于 {n}",
    "Input should be greater than {n}": "应大于 {n}",
    "Input should be a valid dictionary": "应为 JSON 对象",
    "Input should be a valid list": "应为列表",
    "List should have at most {n} items after validation, not {m}": "最多 {n} 项，实际 {m} 项",
    "Value error, {error}": "{error}",
    "Give a day between {earliest} and {latest}.": "日期须在 {earliest} 到 {latest} 之间。",
    "Give a time zone, e.g. 2026-11-02T09:00:00+08:00.": (
        "请带上时区，如 2026-11-02T09:00:00+08:00。"
    ),
    # --- access and sign-in -------------------------------------------------------------------
    "Sign in first: send the header 'Authorization: Bearer <token>'.": "请先登录。",
    "Your role '{role}' may not do this; it needs one of: {allowed}.": (
        "您的角色「{role}」无权执行此操作，需要以下角色之一：{allowed}。"
    ),
    "A {kind} token may not do this.": "{kind}令牌无权执行此操作。",
    "Only a terminal does this, with its own token.": "此操作只能由终端使用自己的令牌执行。",
    "This belongs to another unit or terminal; you may not reach it.": (
        "此对象属于其他单位或终端，您无权访问。"
    ),
    "This token is unknown or was revoked; sign in or enroll again.": (
        "令牌无效或已被吊销，请重新登录或注册。"
    ),
    "This token has expired; sign in again.": "令牌已过期，请重新登录。",
    "This staff account is disabled.": "该工作人员账号已停用。",
    "Only a staff token signs out; units and terminals have theirs revoked.": (
        "只有工作人员令牌可以退出登录；单位和终端的令牌需吊销。"
    ),
    "You cannot disable your own account; ask another administrator.": (
        "不能停用自己的账号，请联系其他管理员。"
    ),
    "The password must have at least {min_length} characters.": (
        "密码至少需要 {min_length} 个字符。"
    ),
    "The username '{username}' is taken; choose another.": (
        "用户名「{username}」已被使用，请换一个。"
    ),
    "Unit {code} has no token {token_id}.": "单位 {code} 没有编号为 {token_id} 的令牌。",
    "No staff account is called '{username}'.": "没有名为「{username}」的工作人员账号。",
    "Unit staff must belong to a responsible unit: give its code.": (
        "单位人员必须属于一个责任单位，请填写单位编码。"
    ),
    "Only unit staff are bound to a responsible unit.": "只有单位人员才隶属于责任单位。",
    # --- cases --------------------------------------------------------------------------------
    "The description has {n} characters; keep it under {limit}.": (
        "描述有 {n} 个字符，请控制在 {limit} 个以内。"
    ),
    "{name} must be a number of degrees.": "{name} 须为以度表示的数值。",
    "{name} {value} is not a WGS84 coordinate (between -{low} and {high}).": (
        "{name} {value} 不是有效的 WGS84 坐标（应在 -{low} 到 {high} 之间）。"
    ),
    "A photo is empty; attach the image itself.": "照片为空，请上传图片本身。",
    "A photo has {n} bytes; the limit is {limit} ({mib} MiB). Send a smaller image.": (
        "照片有 {n} 字节，上限为 {limit}（{mib} MiB），请上传更小的图片。"
    ),
    "A photo declared as {declared} is not one (its first bytes do not match); send a real "
    "JPEG or PNG image.": (
        "声明为 {declared} 的照片并非该格式（文件头不符），请上传真实的 JPEG 或 PNG 图片。"
    ),
    "A photo declared as {declared} is a {actual}.": "声明为 {declared} 的照片实际是 {actual}。",
    "A photo declared as {declared} could not be read as one; send a real JPEG or PNG image.": (
        "声明为 {declared} 的照片无法读取，请上传真实的 JPEG 或 PNG 图片。"
    ),
    "A photo is larger than {mib} MiB; send a smaller image.": (
        "照片超过 {mib} MiB，请上传更小的图片。"
    ),
    "A photo's data_base64 is not valid base64.": "照片的 data_base64 不是有效的 base64 编码。",
    "weeks is between 1 and 260.": "周数须在 1 到 260 之间。",
    "'to' is before 'from'.": "结束日期早于开始日期。",
    "week '{text}' is not like 2026-W45 or 2026-11-02.": (
        "周「{text}」的格式不对，应如 2026-W45 或 2026-11-02。"
    ),
    "month '{text}' is not like 2026-10.": "月份「{text}」的格式不对，应如 2026-10。",
    "Ask for at most twenty years at a time.": "一次最多查询二十年。",
    "Your role '{role}' files reports from: {names}; not '{source}'.": (
        "您的角色「{role}」可登记的来源为：{names}，不包括「{source}」。"
    ),
    "queue can only be 'manual'.": "queue 只能为「manual」。",
    "Case {number} has no photo {photo_id}.": "案件 {number} 没有编号为 {photo_id} 的照片。",
    "Only the back office itself may '{action}' a case.": (
        "只有系统本身可以对案件执行「{action}」。"
    ),
    "Your role '{role}' may not '{action}'; it needs: {roles}.": (
        "您的角色「{role}」不能执行「{action}」，需要：{roles}。"
    ),
    "Unknown case type '{code}'.": "未知的案件类型「{code}」。",
    "Unknown case category '{code}'.": "未知的案件大类「{code}」。",
    "Give both start and end of the time window, or neither.": (
        "请同时填写时段的开始和结束，或都不填。"
    ),
    "A responsible unit may not '{action}'; it may: {allowed}.": (
        "责任单位不能执行「{action}」，可执行：{allowed}。"
    ),
    "Case {number} is not dispatched to your unit.": "案件 {number} 未派遣给您的单位。",
    "Name the unit to dispatch to (unit_code).": "请选择派遣的责任单位。",
    "{key} cannot be empty.": "{key} 不能为空。",
    "Unknown place '{code}'.": "未知的地点「{code}」。",
    "A rule's code cannot change; create a new rule instead.": "规则编码不能修改，请新建一条规则。",
    "No case type has the code '{code}'; GET /api/v1/case-types lists them.": (
        "没有编码为「{code}」的案件类型。"
    ),
    "{code} has no time limit of its own at level '{priority}'.": (
        "{code} 在「{priority}」级别没有单独的处置时限。"
    ),
    "A time limit is more than 0 and at most a year (8760 hours).": (
        "处置时限须大于 0，且不超过一年（8760 小时）。"
    ),
    "A verdict needs a reason: say what the photos show.": (
        "核查结论需要理由：请说明照片显示的情况。"
    ),
    "a time of day is HH:MM between 00:00 and 23:59, not {value}": (
        "时间须为 00:00 到 23:59 之间的 HH:MM，而不是 {value}"
    ),
    "Check the rule: {error}": "请检查规则：{error}",
    "duplicate from {source}": "重复上报，来源：{source}",
    "rule {code}": "按规则 {code}",
    "{number} ✓": "{number} ✓",
    # --- consults -----------------------------------------------------------------------------
    "No consult has the reference number '{reference}'. Check the slip.": (
        "没有编号为「{reference}」的咨询，请核对回执。"
    ),
    "Consult {reference} was answered already by {by}.": "咨询 {reference} 已由 {by} 答复。",
    "Write the question: it is empty.": "请填写问题：问题为空。",
    "A question carries no pre-check; send kind 'precheck' for that.": (
        "提问不包含材料预审；材料预审请使用 precheck 类型。"
    ),
    "A material pre-check needs the matter_code it is for.": (
        "材料预审需要注明所属事项（matter_code）。"
    ),
    "Matter {code} asks for no material {unknown}; its materials are {materials}.": (
        "事项 {code} 不需要材料 {unknown}；其所需材料为 {materials}。"
    ),
    "Answer the pre-check for every material: {materials}.": "请对每项材料作答：{materials}。",
    "{reference} ✓": "{reference} ✓",
    # --- fleet --------------------------------------------------------------------------------
    "Terminal {code} ({place}) is silent: {since}.": "终端 {code}（{place}）已失联：{since}。",
    "last heartbeat {at} UTC": "最后心跳 {at} UTC",
    "Terminal {code} ({place}): {device} in fault: {reason}.": (
        "终端 {code}（{place}）：{device}故障：{reason}。"
    ),
    "reader_unavailable: {detail}": "读卡器不可用：{detail}",
    "Terminal {code}: {what}: {detail}": "终端 {code}：{what}：{detail}",
    "Terminal {code} is not enrolled yet; it cannot take commands.": (
        "终端 {code} 尚未注册，不能接收指令。"
    ),
    "No command has the id '{ref}'.": "没有编号为「{ref}」的指令。",
    "Command {id} is {status}; only a pending command can be cancelled.": (
        "指令 {id} 当前为「{status}」，只有待下发的指令可以取消。"
    ),
    "Command {id} was answered already ({status}).": "指令 {id} 已有回复（{status}）。",
    "Command {id} is {status}; only a delivered command can be acknowledged.": (
        "指令 {id} 当前为「{status}」，只有已下发的指令可以确认。"
    ),
    "Upload the screenshot first, then acknowledge the command.": "请先上传截图，再确认指令。",
    "Command {id} is {kind}, not a screenshot.": "指令 {id} 是「{kind}」，不是截图。",
    "Command {id} is {status}; it takes no upload now.": (
        "指令 {id} 当前为「{status}」，现在不能上传。"
    ),
    "The upload is not a PNG image (send the bytes of a .png file).": (
        "上传的不是 PNG 图片（请发送 .png 文件的内容）。"
    ),
    "The screenshot is over {mb} MB.": "截图超过 {mb} MB。",
    "Only a lock takes a message, not {kind}.": "只有锁定指令带说明，「{kind}」不带。",
    "push_config needs a non-empty 'config' object of settings.": (
        "下发配置需要非空的 config 设置对象。"
    ),
    "Only push_config takes a config, not {kind}.": "只有下发配置指令带配置，「{kind}」不带。",
    "Only an enrolled terminal sends heartbeats, with its own token.": (
        "只有已注册的终端可以用自己的令牌发送心跳。"
    ),
    "Command {id} has no screenshot (yet).": "指令 {id}（尚）无截图。",
    "An enrollment code has {length} letters and digits, like ABCDE-FGH23.": (
        "注册码由 {length} 个字母和数字组成，如 ABCDE-FGH23。"
    ),
    "This enrollment code is not known. Check it, or ask the terminal manager for a new one.": (
        "注册码无效。请核对，或向终端管理员申请新的注册码。"
    ),
    "This enrollment code was used already. Ask the terminal manager for a new one.": (
        "注册码已被使用，请向终端管理员申请新的注册码。"
    ),
    "This enrollment code expired at {at} UTC. Ask the terminal manager for a new one.": (
        "注册码已于 {at} UTC 过期，请向终端管理员申请新的注册码。"
    ),
    "'{name}' cannot be emptied; leave it out to keep it.": "「{name}」不能清空；不填则保持不变。",
    "Check the terminal's code, name and kind: {error}": "请检查终端的编码、名称和类型：{error}",
    "Check the command: {error}. A push_config takes a JSON object.": (
        "请检查指令：{error}。下发配置须为 JSON 对象。"
    ),
    # --- images (photos, screenshots, frames) -------------------------------------------------
    "The {what} is empty; send the {names} bytes themselves.": (
        "{what}为空，请发送 {names} 图片本身。"
    ),
    "The {what} could not be read as one ({names}); send a real image.": (
        "{what}无法读取（{names}），请发送真实的图片。"
    ),
    "The {what} is {width}x{height} pixels; it has no picture.": (
        "{what}为 {width}x{height} 像素，没有画面。"
    ),
    "The {what} is {width}x{height} pixels; the largest side allowed is {max_side}.": (
        "{what}为 {width}x{height} 像素，最长边不得超过 {max_side}。"
    ),
    "The {what} is {width}x{height} pixels, it has {pixels} pixels; at most {max_pixels} pixels "
    "are allowed.": (
        "{what}为 {width}x{height} 像素，共 {pixels} 像素，最多允许 {max_pixels} 像素。"
    ),
    "The {what} could not be read as one ({names}): it is damaged ({error_kind}).": (
        "{what}无法读取（{names}）：文件已损坏（{error_kind}）。"
    ),
    "The frame is empty; send the JPEG or PNG bytes as the request body.": (
        "画面为空，请在请求体中发送 JPEG 或 PNG 图片。"
    ),
    "The frame has {n} bytes; the limit is {limit}.": "画面有 {n} 字节，上限为 {limit}。",
    "The frame is not a JPEG, PNG or BMP image (its first bytes do not match).": (
        "画面不是 JPEG、PNG 或 BMP 图片（文件头不符）。"
    ),
    "The frame could not be decoded as an image; it may be truncated.": (
        "画面无法解码，可能不完整。"
    ),
    "The frame's headers and its picture disagree on its size.": "画面的文件头与图像尺寸不一致。",
    # --- notifications and outbound addresses -------------------------------------------------
    "This delivery belongs to another unit; you may not reach it.": (
        "此推送属于其他单位，您无权访问。"
    ),
    "Notifications to unit {unit} keep failing: {n} failed attempts in a row to {url}; last: "
    "{error}": "通知单位 {unit} 持续失败：连续 {n} 次发送到 {url} 失败；最近一次：{error}",
    # why a delivery failed, as the notifications page lists it
    "the WeCom robot did not answer JSON": "政务微信机器人未返回 JSON",
    "WeCom refused it (errcode {code})": "政务微信拒收（错误码 {code}）",
    "WeCom refused it": "政务微信拒收",
    "cancelled: the subscription was deactivated": "已取消：订阅已停用",
    "No notification subscription has the id '{ref}'.": "没有编号为「{ref}」的通知订阅。",
    "No delivery has the id '{ref}'.": "没有编号为「{ref}」的推送。",
    "This delivery arrived already; there is nothing to retry.": "此推送已送达，无需重试。",
    "This delivery's subscription was deactivated; subscribe the unit again to send it new "
    "notifications.": "此推送的订阅已停用；请为该单位重新订阅后再发送新通知。",
    "The URL names no host; give the full address, e.g. https://host/path.": (
        "网址没有主机名，请填写完整地址，如 https://host/path。"
    ),
    "'{host}' is not a valid host name (labels of letters, digits and hyphens, separated by "
    "single dots).": "「{host}」不是有效的主机名（应由字母、数字和连字符组成，以单个点分隔）。",
    "'{host}' is neither a host name nor an IP address.": "「{host}」既不是主机名也不是 IP 地址。",
    "The URL holds spaces or control characters.": "网址含有空格或控制字符。",
    "'{url}' is not an {schemes}(s) URL; give the full address, e.g. {scheme}://host/path.": (
        "「{url}」不是 {schemes} 网址，请填写完整地址，如 {scheme}://host/path。"
    ),
    "'{host}' is a loopback, private, link-local or otherwise non-public address; the back "
    "office does not send there (an operator may allow it with ZHILI_OUTBOUND_ALLOW).": (
        "「{host}」是回环、内网、链路本地或其他非公网地址，系统不向其发送"
        "（运维人员可用 ZHILI_OUTBOUND_ALLOW 放行）。"
    ),
    "'{host}' is not a valid host name.": "「{host}」不是有效的主机名。",
    "'{url}' has an invalid port.": "「{url}」的端口无效。",
    "'{entry}' in the outbound allow-list is not an IP network.": (
        "外发白名单中的「{entry}」不是 IP 网段。"
    ),
    # --- places -------------------------------------------------------------------------------
    "{where}: a position is [lon, lat], got {value}": (
        "{where}：坐标应为 [经度, 纬度]，实际为 {value}"
    ),
    "{where}: [{lon}, {lat}] is not a WGS84 position": (
        "{where}：[{lon}, {lat}] 不是有效的 WGS84 坐标"
    ),
    "the geometry must be a GeoJSON {kinds}": "几何图形须为 GeoJSON {kinds}",
    "a Polygon needs at least one ring": "多边形至少需要一个环",
    "a LineString needs at least two positions": "线至少需要两个点",
    "a Polygon ring needs at least four positions": "多边形的环至少需要四个点",
    "a Polygon ring must end where it starts": "多边形的环须首尾闭合",
    "The road '{road}' has no landmark '{landmark}'; pick one from its list.": (
        "道路「{road}」没有地标「{landmark}」，请从其列表中选择。"
    ),
    "'{road}' is not a road.": "「{road}」不是道路。",
    "lon and lat must be WGS84 degrees (lon -180..180, lat -90..90).": (
        "经纬度须为 WGS84 度数（经度 -180..180，纬度 -90..90）。"
    ),
    "Unknown place '{code}': no {names} has this code.": (
        "未知的地点「{code}」：没有该编码的{names}。"
    ),
    "'{code}' is a {kind}, not a {names}.": "「{code}」是{kind}，不是{names}。",
    "Unknown parent place '{code}'.": "未知的上级地点「{code}」。",
    "A {kind}'s parent must be a {expected}; '{code}' is a {actual}.": (
        "{kind}的上级须为{expected}；「{code}」是{actual}。"
    ),
    "{field} needs a time zone, e.g. 2026-12-01T00:00:00+08:00.": (
        "{field} 需要带时区，如 2026-12-01T00:00:00+08:00。"
    ),
    "active_until is before active_from.": "停用时间早于启用时间。",
    "The {kind}'s geometry is not usable: {error}.": "{kind}的几何图形无法使用：{error}。",
    "A {kind} belongs to a {parent}: give parent_code.": "{kind}隶属于{parent}，请填写上级编码。",
    # --- ratings ------------------------------------------------------------------------------
    "Cannot {action}: the rectification is {status}; from there it may go to {names}.": (
        "无法执行「{action}」：整改当前为「{status}」，只能转为 {names}。"
    ),
    "Send an Idempotency-Key header of 1-{max_key} characters.": (
        "请发送 1 到 {max_key} 个字符的 Idempotency-Key 请求头。"
    ),
    "No visit {visit} was reported; a rating belongs to a visit the back office knows (send "
    "the visit first).": (
        "没有上报过编号为 {visit} 的办事记录；评价须对应已上报的办事（请先发送办事记录）。"
    ),
    "This visit happened at another terminal.": "此次办事发生在另一台终端。",
    "Matter {matter} was not part of visit {visit} ({matters}).": (
        "事项 {matter} 不属于办事记录 {visit}（{matters}）。"
    ),
    "A rating of 1 or 2 needs at least one reason or a comment.": (
        "1 或 2 级评价至少需要一个原因或一段评语。"
    ),
    "Reasons are asked only for a rating of 1 or 2.": "只有 1 或 2 级评价才需要填写原因。",
    "Visit {visit} was rated already; one rating per visit.": (
        "办事记录 {visit} 已评价；每次办事只能评价一次。"
    ),
    "This Idempotency-Key was used for a different rating; use a new key for a new rating.": (
        "此 Idempotency-Key 已用于另一条评价，新评价请使用新的键。"
    ),
    "The office {office} named for {code} is not a known unit.": (
        "{code} 所属的部门 {office} 不是已知单位。"
    ),
    "No rectification has the id '{ref}'.": "没有编号为「{ref}」的整改。",
    "'since' is after 'until'.": "开始时间晚于结束时间。",
    # --- units --------------------------------------------------------------------------------
    "{parent} sits below {code}; a unit cannot be its own ancestor.": (
        "{parent} 位于 {code} 之下；单位不能成为自己的上级。"
    ),
    # --- cameras and zones --------------------------------------------------------------------
    "Camera '{code}' is a {kind} camera that the patrol fetches; only push cameras take "
    "frames here.": (
        "摄像头「{code}」是由巡屏主动拉取的 {kind} 摄像头，只有推送型摄像头在此接收画面。"
    ),
    "No camera has the code '{code}'; GET /api/v1/vision/cameras lists them.": (
        "没有编码为「{code}」的摄像头。"
    ),
    "A snapshot camera needs an http:// or https:// URL.": (
        "快照摄像头需要 http:// 或 https:// 网址。"
    ),
    "An RTSP camera needs an rtsp:// URL.": "RTSP 摄像头需要 rtsp:// 网址。",
    "A video-file camera needs the file's path.": "视频文件摄像头需要文件路径。",
    "A camera that pushes frames has no source URL; leave it empty.": (
        "推送画面的摄像头没有来源网址，请留空。"
    ),
    "min_area is larger than max_area.": "最小面积大于最大面积。",
    "Camera '{code}' has no zone {zone}.": "摄像头「{code}」没有编号为 {zone} 的区域。",
    "'{path}' is not under the folders video-file cameras may read ({folders}; "
    "ZHILI_CAMERA_FILE_DIRS).": (
        "「{path}」不在视频文件摄像头可读取的文件夹内（{folders}；ZHILI_CAMERA_FILE_DIRS）。"
    ),
    "A zone needs at least 3 corners, got {n}.": "区域至少需要 3 个顶点，实际为 {n} 个。",
    "A zone has at most {max} corners, got {n}.": "区域最多 {max} 个顶点，实际为 {n} 个。",
    "The polygon has (almost) no area; draw the zone larger.": (
        "多边形（几乎）没有面积，请把区域画大一些。"
    ),
    "Point {i} must be [x, y], got {value}.": "第 {i} 个点须为 [x, y]，实际为 {value}。",
    "Point {i} is not a finite number pair.": "第 {i} 个点不是一对有限数值。",
    "Point {i} [{x}, {y}] leaves the frame: x and y are shares of the frame's width and height, "
    "between 0 and 1.": (
        "第 {i} 个点 [{x}, {y}] 超出画面：x 和 y 是画面宽和高的比例，须在 0 到 1 之间。"
    ),
    "Points {i} and {j} are the same point.": "第 {i} 个点与第 {j} 个点重合。",
    "The polygon is not simple: edge {i} crosses or touches edge {j}. List the corners in order "
    "around the zone.": (
        "多边形自相交：第 {i} 条边与第 {j} 条边相交或相接。请按顺序沿区域边界列出顶点。"
    ),
    "{code}: {name} ✓": "{code}：{name} ✓",
    "{code}: zone {zone} deleted": "{code}：区域 {zone} 已删除",
    "{name} must be a number.": "{name} 须为数字。",
    "Check the zone: {error}": "请检查区域：{error}",
    "{code} ✓": "{code} ✓",
    "{ref} ↻": "{ref} ↻",
    # the patrol learning from outcomes (vision/learning)
    "No background spot {id}.": "没有编号为 {id} 的背景位置。",
    "Give a reason for the false alarm.": "请填写误报原因。",
    "Case {number} was not filed by a camera of the AI patrol.": (
        "案件 {number} 不是由 AI 巡查的摄像头立案的。"
    ),
    "Case {number} cannot be marked a false alarm while {state}.": (
        "案件 {number} 处于{state}状态，不能标记为误报。"
    ),
    "{n} false alarm(s), {m} verified; precision target {p}": (
        "{n} 次误报、{m} 次核实；精确率目标 {p}"
    ),
    "No threshold change {id}.": "没有编号为 {id} 的阈值调整。",
    "Threshold change {id} is already reverted.": "阈值调整 {id} 已撤销。",
    "Revert threshold change {id} of this zone first.": "请先撤销该区域的阈值调整 {id}。",
    "Revert threshold change {id} of this camera first.": "请先撤销该摄像头的阈值调整 {id}。",
    "The detector failed on this frame; send it again, and tell the back office's operator "
    "if it keeps failing.": "检测器处理该画面失败；请重新发送，如持续失败请告知后台运维人员。",
    "There is no candidate model to promote: register one first.": (
        "没有可上线的候选模型：请先登记一个。"
    ),
    "No registered model is active: the patrol runs the configured weights.": (
        "没有已上线的登记模型：巡查使用配置的权重。"
    ),
    "No labelled frame {id}.": "没有编号为 {id} 的标注画面。",
    "{code}: frame {id} ✓": "{code}：画面 {id} ✓",
    "Frame {id} waits for its case's outcome; review it after.": (
        "画面 {id} 的案件尚未有结果，请在结果出来后复核。"
    ),
    "Say whether the case was real or a false alarm.": "请选择案件属实还是误报。",
    "Box {n}: the kind is bike or waste.": "第 {n} 个标注框：类别须为单车或垃圾堆。",
    "Box {n}: draw it on the frame (four numbers).": (
        "第 {n} 个标注框：请在画面上绘制（四个数值）。"
    ),
    "Box {n} is too small or off the frame; draw it again.": (
        "第 {n} 个标注框太小或超出画面，请重新绘制。"
    ),
    "Draw the boxes on the frame.": "请在画面上绘制标注框。",
    "Camera {code} has no labelled frame {id}.": "摄像头 {code} 没有编号为 {id} 的标注画面。",
    "The candidate's share of patrols is more than 0 and at most 1.": (
        "候选模型参与的巡查比例须大于 0 且不超过 1。"
    ),
    "{n} false alarm(s), {m} verified; on the camera's zones together; precision target {p}": (
        "{n} 次误报、{m} 次核实（该摄像头各区域合计）；精确率目标 {p}"
    ),
    "{code}: background spot {id} cleared": "{code}：背景位置 {id} 已清除",
    "{code}: threshold change {id} reverted": "{code}：阈值调整 {id} 已撤销",
    "You may not mark case {number} a false alarm.": "您无权将案件 {number} 标记为误报。",
    "Camera {code} has no background spot {id}.": "摄像头 {code} 没有编号为 {id} 的背景位置。",
    "Camera {code} has no threshold change {id}.": "摄像头 {code} 没有编号为 {id} 的阈值调整。",
    # --- contacts for callbacks, 110 calls, the rating loop ----------------------------------
    "A phone number has {MIN_DIGITS} to {MAX_DIGITS} digits; check the number typed.": (
        "电话号码应为 {MIN_DIGITS} 到 {MAX_DIGITS} 位数字，请检查输入的号码。"
    ),
    "This contact was erased; only its masked form is kept.": "该联系方式已删除，仅保留脱敏形式。",
    "Say why you need the number (for example: callback on the bad rating).": (
        "请说明查看号码的原因（例如：差评回访）。"
    ),
    "This contact cannot be opened with the keys this back office holds.": (
        "本系统持有的密钥无法解密该联系方式。"
    ),
    "A callback number is taken only with a rating of 1 or 2.": (
        "只有差评（1 或 2 级）才留回访电话。"
    ),
    "A callback number is kept only when the rater agreed to be called back.": (
        "评价人同意回访后才保存回访电话。"
    ),
    "A counter rating names its counter.": "窗口评价须注明窗口。",
    "A kiosk rating names no counter or staff; send channel 'counter'.": (
        "自助终端评价不填窗口或工作人员；窗口评价请用 channel 'counter'。"
    ),
    "A terminal's rating is a kiosk or a counter channel rating.": (
        "终端的评价只能是自助终端或窗口评价。"
    ),
    "Case {number} has no caller's number kept for a callback.": (
        "案件 {number} 没有保存用于回访的来电号码。"
    ),
    "Case {number} did not come from a 110 call.": "案件 {number} 不是 110 转来的来电。",
    "Write what was done for the 110 centre.": "请填写向 110 反馈的处置情况。",
    "A 110 call carries the 110 centre's incident number (4-40 letters, digits or dashes).": (
        "110 转来的来电须填写 110 接警单号（4-40 位字母、数字或连字符）。"
    ),
    "Write the {what}.": "请填写{what}。",
    "The {what} is longer than {limit} characters.": "{what}超过 {limit} 个字符。",
    "The rater left no number for a callback.": "评价人没有留下回访电话。",
    "Say whether the resident was satisfied.": "请选择群众是否满意。",
    "Say whether the appeal is upheld.": "请选择申诉是否成立。",
    # no-certificate queries (queries/service.py)
    "'{code}' is not a query with an answer to look up.": "“{code}”不是可以查询结果的事项。",
    "No record has the number '{reference}'. Check the receipt or slip.": (
        "没有编号为“{reference}”的记录，请核对回执或凭条。"
    ),
    "Type the number printed on your receipt or slip (4 to 32 letters and digits).": (
        "请输入回执或凭条上印的编号（4 到 32 位字母和数字）。"
    ),
    "The query service has no record of you; ask at the counter.": (
        "查询服务没有您的记录，请到窗口咨询。"
    ),
    # home services (上门服务)
    "Cannot {action}: request {reference} is {status}; from there it may go to {names}.": (
        "无法{action}：申请 {reference} 当前为 {status}，只能转为 {names}。"
    ),
    "Request {reference} has no contact kept.": "申请 {reference} 没有保存联系方式。",
    "Your role may not see phone numbers in full; ask a call-taker.": (
        "您的角色无权查看完整电话号码，请联系受理员。"
    ),
    "A preferred time is listed twice; list each day and part once.": (
        "方便的时间重复了，每个日期和时段只选一次。"
    ),
    "At a kiosk the person asks for themselves ('person') or a 'relative'.": (
        "在自助终端只能为本人或亲属申请。"
    ),
    "The resident's ID number is not a valid 18-character number (its check character does "
    "not match); check it, or leave it empty for staff to see the card at the door.": (
        "居民身份证号不是有效的18位号码（校验位不符），请核对，或留空由工作人员上门时查验证件。"
    ),
    "Write the resident's name (it is kept masked).": "请填写居民姓名（脱敏保存）。",
    "No home-service request has the reference '{reference}'.": (
        "没有编号为「{reference}」的上门服务申请。"
    ),
    "No home visit has the id '{ref}'.": "没有编号为「{ref}」的上门记录。",
    "Give the visit's time with its time zone, e.g. 2026-12-08T09:30+08:00.": (
        "请给出带时区的上门时间，如 2026-12-08T09:30+08:00。"
    ),
    "Book a visit within {days} days; {at} is further.": "请预约 {days} 天以内的上门，{at} 太远。",
    "Only the member of staff who made the visit, or the desk, records it.": (
        "只有上门的工作人员或受理台可以记录。"
    ),
    "This visit was cancelled; nothing happened to record.": "该上门已取消，没有可记录的结果。",
    "This visit's outcome was recorded already ({outcome}).": "该上门的结果已记录（{outcome}）。",
    "The visit is booked for {at}; record it after.": "该上门预约在 {at}，请上门后再记录。",
    "Write {what}: the resident and the desk need to know.": (
        "请写明缺少的材料或无法上门办理的原因。"
    ),
    "The preferred day {day} is past; pick days from {today} on.": (
        "方便的日期 {day} 已过，请选择 {today} 及以后的日期。"
    ),
    "The preferred day {day} is too far ahead; pick days within {days} days.": (
        "方便的日期 {day} 太远，请选择 {days} 天以内的日期。"
    ),
}

WORDINGS_ZH.update(RENOVATION_WORDINGS_ZH)
