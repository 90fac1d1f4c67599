"""Page strings in Chinese and English. The English text is the key; Chinese is looked up."""

from __future__ import annotations

import re
import string

from backoffice.web.i18n_renovations import ZH_RENOVATIONS
from backoffice.web.messages_zh import TERMS_ZH, WORDINGS_ZH

LANGUAGES = ("zh", "en")

ZH: dict[str, str] = {
    # layout and sign-in
    "Zhili ops centre": "智理 · 城运中心",
    "Jiangsu Road subdistrict operations centre": "江苏路街道城市运行管理中心",
    "Sign in": "登录",
    "Sign out": "退出",
    "Demo mode: made-up data and demo keys. Not for real residents.": (
        "演示模式：虚构数据与演示密钥，不得用于真实居民。"
    ),
    "Username": "用户名",
    "Password": "密码",
    "Wrong username or password.": "用户名或密码错误。",
    "Too many failed sign-ins from this address; try again in {minutes} min.": (
        "此地址登录失败次数过多，请 {minutes} 分钟后再试。"
    ),
    "The sign-in service is busy; try again in a few seconds.": "登录服务繁忙，请稍后几秒再试。",
    "Too many failed sign-ins for this username; try again in {minutes} min.": (
        "该用户名登录失败次数过多，请 {minutes} 分钟后再试。"
    ),
    "The form expired; sign in again.": "表单已过期，请重新登录。",
    "The form expired": "表单已过期",
    "Reload the page and send the form again.": "请刷新页面后重新提交。",
    "Not allowed": "无权访问",
    "Not found": "未找到",
    "Back to the dashboard": "返回总览",
    "AI patrol filed a case": "AI智能巡屏自动立案",
    "Acknowledge": "确认",
    # nav
    "Dashboard": "总览",
    "Cases": "案件",
    "Take a call": "来电受理",
    "Dispatch rules": "派单规则",
    "Weekly report": "周报",
    "Cameras": "摄像头",
    "Terminals": "自助终端",
    # roles
    "admin": "管理员",
    "operator": "城运值守员",
    "call_taker": "受理员",
    "dispatcher": "派遣员",
    "shift_leader": "值班长",
    "inspector": "监督员",
    "terminal_manager": "终端管理员",
    "unit_staff": "责任单位",
    "viewer": "查看者",
    # dashboard
    "Today at a glance": "今日概况",
    "Refreshes every {s} s": "每 {s} 秒自动刷新",
    "New today": "今日新增",
    "Open": "未结",
    "Overdue": "超期",
    "Closed today": "今日结案",
    "Auto-dispatch rate": "自动派单率",
    "of {n} dispatched today": "今日派单 {n} 件",
    "Terminals online": "终端在线",
    "Cameras online": "摄像头在线",
    "Open cases": "未结案件",
    "All cases": "全部案件",
    # case states, sources, priorities, actions
    "reported": "已上报",
    "filed": "已立案",
    "dispatched": "已派遣",
    "handling": "处置中",
    "handled": "已处置",
    "verified": "已核查",
    "closed": "已结案",
    "held": "挂账",
    "voided": "已作废",
    "ai_patrol": "AI巡屏",
    "kiosk": "自助终端",
    "hotline": "12345热线",
    "police_110": "110非警情",
    "open311": "Open311",
    "rating": "好差评",
    "fleet": "终端监测",
    "urgent": "紧急",
    "high": "高",
    "normal": "一般",
    "low": "低",
    "report": "上报",
    "file": "立案",
    "dispatch": "派遣",
    "accept": "签收",
    "send_back": "回退",
    "report_handled": "处置反馈",
    "request_extension": "申请延时",
    "approve_extension": "批准延时",
    "reject_extension": "驳回延时",
    "verify": "核查通过",
    "return": "核查退回",
    "close": "结案",
    "hold": "挂账",
    "resume": "恢复",
    "void": "作废",
    "escalate": "督办",
    "reopen": "重开",
    "attach_evidence": "追加证据",
    "resolve": "自动结案",
    # case list and page
    "State": "状态",
    "Type": "类型",
    "Road": "道路",
    "Grid": "网格",
    "Unit": "责任单位",
    "Source": "来源",
    "Search": "搜索",
    "Number or words": "编号或关键词",
    "Overdue only": "仅超期",
    "Filter": "筛选",
    "Clear": "清除",
    "Any": "全部",
    "All open": "全部未结",
    "Export CSV": "导出 CSV",
    "{n} shown": "共 {n} 件",
    "Number": "编号",
    "Reported": "上报时间",
    "Due": "处置时限",
    "No case matches.": "没有符合条件的案件。",
    "Description": "描述",
    "{n} reports": "{n} 次上报",
    "by rule": "按规则",
    "Supervised by": "督办单位",
    "working hours": "工作时间",
    "calendar hours": "自然时间",
    "Extension asked": "申请延时",
    "Caller": "来电人",
    "Before and after": "处置前后对比",
    "Before": "处置前",
    "After": "处置后",
    "No photo": "暂无照片",
    "Evidence frames": "证据画面",
    "Actions": "操作",
    "Hours": "时长（小时）",
    "After photos": "处置后照片",
    "Reason": "原因",
    "Nothing for you to do on this case now.": "当前没有您可执行的操作。",
    "Timeline": "处置时间线",
    # call-taker
    "Line": "来电渠道",
    "Caller's name (kept private)": "来电人姓名（保密）",
    "Caller's phone (kept private)": "来电人电话（保密）",
    "File the case": "立案",
    # rules
    "Rules, first match wins": "派单规则（按优先级首条命中）",
    "Priority": "优先级",
    "Code": "编码",
    "Category": "大类",
    "Active": "启用",
    "No rules: every case waits in the manual dispatch queue.": (
        "暂无规则：所有案件进入人工派单队列。"
    ),
    "Which unit would get this case?": "这件案件会派给谁？",
    "Time of day (empty: now)": "时间（留空为现在）",
    "Test": "测试",
    "Rule {code} sends it to": "规则 {code} 派给",
    "No rule matches: it waits in the manual dispatch queue.": "没有规则命中：进入人工派单队列。",
    "Add or change a rule": "新增或修改规则",
    "From": "开始",
    "To": "结束",
    "Note": "备注",
    "Save rule": "保存规则",
    "Time limits per case type": "各类案件处置时限",
    "Time limit (h)": "时限（小时）",
    "Counted in": "计时方式",
    # weekly report
    "Cases this week": "本周案件",
    "last week": "上周",
    "Last week": "上周",
    "This week": "本周",
    "Change": "变化",
    "Still open": "仍未结案",
    "Frequent case types": "高频事件",
    "Road hotspots": "高发道路",
    "Cases per day": "每日案件数",
    "On-time rate per unit": "各单位按时处置率",
    "Roads by case category": "道路 × 案件大类",
    "No case with a road this week.": "本周没有关联道路的案件。",
    "Total": "合计",
    "Hours per stage": "各环节平均用时（小时）",
    "Stage": "环节",
    "report_to_file": "上报→立案",
    "file_to_dispatch": "立案→派遣",
    "dispatch_to_handled": "派遣→处置",
    "handled_to_closed": "处置→结案",
    "report_to_closed": "上报→结案",
    "Clearance hours per collection point": "各堆放点清运用时（小时）",
    "Grid hotspots": "高发网格",
    # terminals
    "{online} of {total} online": "{total} 台中 {online} 台在线",
    "Open alerts": "未关闭告警",
    "Longitude": "经度",
    "Latitude": "纬度",
    "Terminal": "终端",
    "Place": "位置",
    "Status": "状态",
    "Paper": "纸张",
    "Devices": "外设",
    "Version": "版本",
    "Screen": "当前页面",
    "Last seen": "最后心跳",
    "Not enrolled": "未注册",
    "Online": "在线",
    "Offline": "离线",
    "OK": "正常",
    "printer": "打印机",
    "card_reader": "读卡器",
    "id_card_reader": "身份证阅读器",
    "qr_camera": "扫码器",
    "ready": "就绪",
    "busy": "忙",
    "fault": "故障",
    "absent": "未接",
    "Register a terminal": "登记新终端",
    "Name": "名称",
    "Kind": "类型",
    "community_centre": "社区事务受理中心",
    "lobby": "楼宇/园区专区",
    "ops_centre": "城运中心",
    "Register and get an enrollment code": "登记并生成注册码",
    "Commands": "远程指令",
    "Command": "指令",
    "By": "发起人",
    "Sent": "发出时间",
    "Result": "结果",
    "No commands yet.": "暂无指令。",
    "lock": "锁定（暂停服务）",
    "unlock": "解锁",
    "reload_content": "重新加载内容",
    "restart_app": "重启应用",
    "screenshot": "截屏",
    "print_test_page": "打印测试页",
    "push_config": "下发配置",
    "pending": "待下发",
    "delivered": "已下发",
    "succeeded": "成功",
    "failed": "失败",
    "cancelled": "已取消",
    "Send a command": "发送指令",
    "Message (lock only)": "提示语（仅锁定）",
    "Settings as JSON (push_config only)": "配置 JSON（仅下发配置）",
    "Send": "发送",
    "Enrollment": "注册",
    "A one-time code for a replaced or re-installed terminal.": (
        "为更换或重装的终端生成一次性注册码。"
    ),
    "New enrollment code": "生成注册码",
    "Last screenshot": "最近截屏",
    "None yet: send a screenshot command.": "暂无：请发送截屏指令。",
    # cameras and zones
    "cam_online": "在线",
    "cam_offline": "离线",
    "cam_unknown": "未知",
    "{n} zones": "{n} 个区域",
    "No frame yet": "暂无画面",
    "No cameras registered.": "尚未登记摄像头。",
    "Latest frame": "最新画面",
    "{n} detections": "检出 {n} 个目标",
    "Click the corners of a new zone on the frame; click the first corner again, or press "
    "Finish, to close it.": "在画面上依次点击新区域的各个顶点；再次点击第一个顶点或按“完成”闭合。",
    "Finish": "完成",
    "Start again": "重画",
    "Zones": "监测区域",
    "Rule": "规则",
    "Dwell (s)": "停留时长（秒）",
    "Threshold": "阈值",
    "Now": "当前",
    "bikes": "辆",
    "Edit": "编辑",
    "Delete": "删除",
    "No zones yet.": "暂无区域。",
    "New zone": "新建区域",
    "no_parking": "禁停区（共享单车）",
    "collection_point": "堆放点（满溢阈值）",
    "Bikes needed (no parking)": "触发车辆数（禁停区）",
    "Fill threshold (collection point, 0–1)": "满溢阈值（堆放点，0–1）",
    "Collection point code (optional)": "堆放点编码（可选）",
    "No polygon drawn yet.": "尚未画出区域。",
    "Save zone": "保存区域",
    # ratings and consults
    "Ratings": "好差评",
    "Count": "评价数",
    "Consults": "一键通",
    "Last {n} days": "近 {n} 天",
    "Satisfaction rate": "好评率",
    "{n} ratings": "共 {n} 条评价",
    "Bad ratings": "差评",
    "Rectified": "已整改",
    "on time": "按时",
    "Excluded on appeal": "申诉剔除",
    "By level": "各等级",
    "Satisfaction by matter": "各事项好评率",
    "Matter": "事项",
    "No ratings in this period.": "此期间没有评价。",
    "Satisfaction by terminal": "各终端好评率",
    "Satisfaction by day": "每日好评率",
    "Bad ratings and their rectification": "差评整改、回访与申诉",
    "Rated": "评价时间",
    "Level": "等级",
    "Case": "案件",
    "Deadline": "整改期限",
    "Callback": "回访",
    "Appeal": "申诉",
    "No bad ratings.": "暂无差评。",
    # contacts for callbacks, 110 calls, the rating loop's forms
    "110 incident number": "110接警单号",
    "for a 110 call": "110转来电时填写",
    "The number is kept encrypted for the callback and erased after the case closes; pages "
    "show it masked, and only call-takers, operators and shift leaders may show it in full, "
    "each time recorded.": "电话号码加密保存用于回访，结案后按期删除；页面只显示脱敏号码，"
    "仅受理员、城运值守员和值班长可查看完整号码，每次查看均留痕。",
    "Show the number to call back": "查看完整号码以回访",
    "Why you need the number": "查看原因",
    "Number erased after the case closed": "结案后号码已删除",
    "shown": "已显示",
    "refused": "已拒绝",
    "Feedback to 110": "向110反馈",
    "Nothing reported back to 110 yet.": "尚未向110反馈。",
    "What was done": "处置情况",
    "Record the feedback to 110": "记录向110的反馈",
    "Home visits": "上门服务",
    "Feedback to 110 recorded ✓": "已记录向110的反馈 ✓",
    "Rater's number (given with consent)": "评价人电话（经本人同意留下）",
    "What the resident said": "回访记录",
    "Resident satisfied": "群众满意",
    "Resident not satisfied": "群众不满意",
    "Record the callback": "记录回访",
    "Why the rating was mistaken or malicious": "误评或恶意差评的理由",
    "Decision": "裁定",
    "Uphold the appeal": "申诉成立",
    "Reject the appeal": "申诉不成立",
    "Decision note": "裁定说明",
    "Decide": "裁定",
    "What was changed": "整改措施",
    "Record the outcome": "记录整改结果",
    "upheld": "成立",
    "rejected": "不成立",
    "channel_kiosk": "自助终端",
    "channel_counter": "窗口评价器",
    "channel_home_visit": "上门服务",
    "rect_open": "整改中",
    "rect_called_back": "已回访",
    "rect_appealed": "申诉中",
    "rect_excluded": "申诉成立",
    "rect_closed": "整改完成",
    "One-tap consults": "一键通预咨询",
    "consult_waiting": "待答复",
    "consult_answered": "已答复",
    "General question": "一般咨询",
    "Missing materials": "缺少材料",
    "Answer": "答复",
    "Answer the resident: what to bring, where to go, when.": (
        "答复居民：带什么材料、去哪里、什么时间。"
    ),
    "Send the answer": "发送答复",
    "The queue is empty.": "队列为空。",
    # home services (上门服务); "Home visits" is with the rating channels
    "New home-service request": "新建上门服务申请",
    "My visits": "我的上门",
    "From today on": "今天起",
    "Reference": "编号",
    "To visit": "待上门",
    "No visits booked for you.": "您暂无预约的上门。",
    "Requests": "申请",
    "home_open": "未办结",
    "home_requested": "待预约",
    "home_booked": "已预约",
    "home_done": "已办结",
    "home_needs_documents": "缺材料",
    "home_not_possible": "无法上门办理",
    "home_cancelled": "已取消",
    "home_all": "全部",
    "outcome_done": "已办结",
    "outcome_needs_documents": "缺材料，需再次上门",
    "outcome_not_possible": "无法上门办理",
    "Resident (confirm at the door)": "居民（上门时核实身份）",
    "Asked by": "申请人",
    "by_person": "本人",
    "by_relative": "亲属",
    "by_grid_worker": "网格员",
    "by_call_taker": "热线受理员",
    "Why they cannot come": "无法到场原因",
    "reason_lives_alone": "独居老人",
    "reason_disability": "残疾",
    "reason_illness": "患病卧床",
    "reason_other": "其他",
    "Times that suit": "方便的时间",
    "morning": "上午",
    "afternoon": "下午",
    "Contact": "联系方式",
    "Visit": "上门",
    "Phone the requester with the time: no text messages are sent": (
        "请电话告知申请人上门时间：本系统不发送短信"
    ),
    "told_call": "已电话告知",
    "told_sms": "已短信告知",
    "told_slip": "已打印凭条",
    "Resident's rating:": "居民评价：",
    "Note (missing documents, or why not at home)": "说明（缺少的材料，或无法上门办理的原因）",
    "Record what came of the visit": "记录办理结果",
    "The resident's rating": "居民评价",
    "Reasons (for 1 or 2)": "差评原因（1或2级）",
    "Comment": "意见",
    "Record the rating": "记录评价",
    "bad_guide_inaccurate": "指南不准确",
    "bad_materials_unclear": "材料要求不清楚",
    "bad_device_fault": "设备故障",
    "bad_too_slow": "办理太慢",
    "bad_hard_to_use": "不好用",
    "bad_staff_attitude": "工作人员态度",
    "bad_not_handled": "事项没有办成",
    "bad_other": "其他",
    "Who visits": "上门人员",
    "Day": "日期",
    "Time": "时间",
    "Book the visit": "预约上门",
    "Cancel the request": "取消申请",
    "No requests here.": "暂无申请。",
    "For a resident who cannot come to the centre: staff do the matter at their home.": (
        "为无法到中心办事的居民：工作人员上门办理。"
    ),
    "Resident's name (kept masked)": "居民姓名（脱敏保存）",
    "Resident's ID number (optional, kept masked)": "居民身份证号（选填，脱敏保存）",
    "Requester's name, if not the resident (kept masked)": "申请人姓名，非本人时填写（脱敏保存）",
    "Phone to call about the visit (kept encrypted)": "联系电话（加密保存）",
    "Address: road, lane, number, room": "地址：路、弄、号、室",
    "More about why (optional)": "原因补充（选填）",
    "Take the request": "提交申请",
    "Home-service request: a resident who cannot come": "上门服务申请：居民无法到场",
    "Home visits waiting to be booked": "待预约上门",
    "Home visits today": "今日上门",
    "Done in the last 7 days": "近7天办结",
    "Home-service request taken ✓": "上门服务申请已受理 ✓",
    "Outcome recorded ✓": "办理结果已记录 ✓",
    "Rating recorded ✓": "评价已记录 ✓",
    "booked": "已预约",
    "request cancelled": "申请已取消",
    "Tick at least one time that suits the resident.": "请至少勾选一个居民方便的时间。",
    "Give the visit's day and time.": "请填写上门日期和时间。",
    "Pick what came of the visit.": "请选择上门办理结果。",
    "Pick the resident's rating, 1 to 5.": "请选择居民评价（1至5）。",
    "Record the visit's outcome first; a visit is rated once it took place.": (
        "请先记录办理结果；上门完成后才能评价。"
    ),
    # notifications
    "Notifications": "通知推送",
    "{n} open alerts": "{n} 条未关闭告警",
    "{n} failed deliveries": "{n} 条推送失败",
    "Units whose endpoint keeps failing": "推送地址持续失败的单位",
    "Retry all failed": "全部重试",
    "Every endpoint is answering.": "所有推送地址均正常。",
    "Failed deliveries": "推送失败",
    "Delivery": "推送",
    "Event": "事件",
    "Attempts": "尝试次数",
    "Last error": "最近错误",
    "Retry": "重试",
    "No delivery has given up.": "没有放弃的推送。",
    # sign-in audit
    "Sign-in audit": "登录审计",
    "When": "时间",
    "Outcome": "结果",
    "Client": "来源地址",
    "ok": "成功",
    "bad_password": "密码错误",
    "locked": "已锁定",
    "logout": "退出",
    "escalated to the shift leader": "已升级至值班长",
    "{m} min unacknowledged": "{m} 分钟未确认",
    # the map and the location pickers
    "Map": "地图",
    "Reported up to": "上报截至",
    "Layers": "图层",
    "Grids": "网格",
    "Compounds, buildings, parks": "小区、楼宇、园区",
    "Collection points": "堆放点",
    "Camera": "摄像头",
    "Reported, filed": "已上报、已立案",
    "Dispatched, handling": "已派遣、处置中",
    "Handled, verified": "已处置、已核查",
    "Closed, voided": "已结案、已作废",
    "Collection point fill: below, near, over the threshold, no reading": (
        "堆放点填充率：低于、接近、超过阈值，无读数"
    ),
    "Place approximate: no point was reported": "位置为估计：上报时没有点位",
    "Where: click the place on the map, or pick a road and a landmark or house number": (
        "位置：在地图上点击问题地点，或选择道路和地标/门牌号"
    ),
    "Landmark or house number": "地标或门牌号",
    # the patrol learning from outcomes
    "False alarm": "误报",
    "false_alarm": "误报",
    "waste": "垃圾堆",  # what the patrol looks for (a learned background spot's kind)
    "bike": "单车",  # the flash after it ("{case}: false alarm ✓")
    "Nothing was there: the patrol learns from it (this zone's threshold may rise).": (
        "现场并无问题：巡查会从中学习（该区域的阈值可能提高）。"
    ),
    "Learned background": "已学习的背景",
    "Detections that kept coming back at the same place while the picture there did not "
    "change; they are dropped from the patrol.": (
        "在画面不变的同一位置反复出现的检测；巡查不再计入。"
    ),
    "Place (x1 y1 x2 y2)": "位置（x1 y1 x2 y2）",
    "Patrols": "巡查次数",
    "Dropped": "已忽略",
    "learned": "已学习",
    "Nothing learned as background.": "尚无学习为背景的检测。",
    "Threshold changes": "阈值调整",
    "Zone": "区域",
    "Minimum score": "最低置信度",
    "Why": "原因",
    "reverted": "已撤销",
    "Revert": "撤销",
    "No threshold changes.": "没有阈值调整。",
    "Whole camera": "整个摄像头",
    "Detector": "检测模型",
    "promoted": "上线于",
    "the configured weights": "配置的权重",
    "candidate {name} in its shadow on {share} of patrols": (
        "候选模型 {name} 在 {share} 的巡查中影子运行"
    ),
    "Labelled frames": "已标注画面",
    "{n} frames behind this camera's AI cases, labelled by how each case ended.": (
        "该摄像头 AI 案件背后的 {n} 帧画面，按案件结果标注。"
    ),
    "Review the boxes": "复核标注框",
    "The frames behind this camera's AI cases, labelled by how each case ended; fix their "
    "boxes before exporting a dataset (zhili-backoffice vision export-dataset).": (
        "该摄像头 AI 案件背后的画面，按案件结果标注；导出数据集"
        "（zhili-backoffice vision export-dataset）前请复核标注框。"
    ),
    "frame_pending": "待定",
    "frame_true": "属实",
    "frame_false_alarm": "误报",
    "All frames": "全部",
    "Boxes": "标注框",
    "Reviewed": "已复核",
    "Review": "复核",
    "No labelled frames yet: they come with the camera's AI cases.": (
        "尚无标注画面：它们随该摄像头的 AI 案件产生。"
    ),
    "Frame": "画面",
    "Dashed: what the patrol counted. Solid: the real objects, which the dataset labels.": (
        "虚线：巡查计入的检测。实线：真实物体，即数据集的标注。"
    ),
    "Drag on the frame to add a box.": "在画面上拖动以添加标注框。",
    "Real objects": "真实物体",
    "Kind of a new box": "新标注框的类别",
    "Save review": "保存复核",
    "Minimum score of every zone on this camera: at least {score}": (
        "该摄像头所有区域的最低置信度：不低于 {score}"
    ),
    "False detections a day": "每日误检",
    # messages from the handlers
    "Hours must be a number, like 24.": "小时数须为数字，如 24。",
    "Write the answer the resident will read.": "请填写居民将看到的答复。",
    "Draw the zone on the frame: click its corners.": "请在画面上点击各角绘制区域。",
    "There is no page at this address; check it or start from the dashboard.": (
        "此地址没有页面，请检查地址或从总览开始。"
    ),
    "You may not open this page.": "您无权打开此页面。",
    # new medical record booklets
    "Booklets": "记录册换册",
    "New medical record booklets": "医保就医记录册换新册",
    "A full booklet: hand the resident a new one and register it here.": (
        "居民的记录册写满后，发放新册并在此登记。"
    ),
    "ID number (read off the resident's card)": "身份证号（从居民证件读取）",
    "Booklet number on its cover": "新册封面编号",
    "Register the new booklet": "登记新册",
    "Registered lately": "最近登记",
    "Booklet": "第几册",
    "Starts with record": "从第几条记录开始",
    "Registered by": "登记人",
    "medical-insurance system": "医保系统",
    "No new booklets yet.": "尚无换册登记。",
    "Any kiosk then prints from page 1 of the new booklet, nothing lost or repeated.": (
        "之后在任一自助终端打印，都从新册第1页开始，记录不漏不重。"
    ),
    "This ID number fails its check; read it off the card again.": (
        "身份证号校验不通过，请重新从证件读取。"
    ),
    "The booklet number is printed on its cover: letters, digits and '-', at most 40.": (
        "册号印在封面上：字母、数字和“-”，最多40位。"
    ),
}


# Keys that are codes rather than English words (a status or channel value), in English.
EN: dict[str, str] = {
    "rect_open": "Rectifying",
    "rect_called_back": "Called back",
    "rect_appealed": "Appealed",
    "rect_excluded": "Excluded on appeal",
    "rect_closed": "Rectified",
    "channel_kiosk": "Kiosk",
    "channel_counter": "Counter pad",
    "channel_home_visit": "Home visit",
}


ZH.update(ZH_RENOVATIONS)


def translate(text: str, lang: str) -> str:
    return ZH.get(text, text) if lang == "zh" else EN.get(text, text)


# Messages the services and page handlers word in English, with the parts they fill in.
# Each pattern matches a whole message; named groups are carried into the Chinese wording,
# translated themselves where they are a state, an action or a role.
_TERMS = ("state", "action", "role", "what", "kind")
MESSAGES_ZH: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), zh)
    for p, zh in (
        (
            r"Booklet (?P<serial>\S+) is registered for this person already\.",
            "册号 {serial} 已为此人登记过。",
        ),
        (
            r"Booklet (?P<serial>\S+) registered: the next print starts on its page 1\.",
            "新册 {serial} 已登记：下次打印从新册第1页开始。",
        ),
        (
            r"Case (?P<number>\S+) is (?P<state>\w+); it cannot take '(?P<action>\w+)'\. "
            r"Allowed now: (?P<allowed>.*)\.",
            "案件 {number} 当前为「{state}」，不能执行「{action}」。",
        ),
        (r"Give a reason to (?P<action>[\w ]+)\.", "请填写「{action}」的理由。"),
        (
            r"Your role '(?P<role>\w+)' may not see callers' numbers; the attempt was recorded\.",
            "您的角色「{role}」无权查看完整电话号码；本次尝试已记录。",
        ),
        (r"(?P<number>\S+): callback recorded ✓", "{number}：已记录回访 ✓"),
        (r"(?P<number>\S+): appeal recorded ✓", "{number}：已提交申诉 ✓"),
        (r"(?P<number>\S+): appeal decided ✓", "{number}：申诉已裁定 ✓"),
        (r"(?P<number>\S+): rectified ✓", "{number}：整改完成 ✓"),
        (r"No case has the number '(?P<number>[^']*)'\.", "没有编号为 {number} 的案件。"),
        (
            r"Case (?P<number>\S+) belongs to another unit; you may not open it\.",
            "案件 {number} 属于其他单位，您无权查看。",
        ),
        (
            r"Your role '(?P<role>\w+)' may not open (?P<what>.+)\.",
            "您的角色「{role}」无权访问{what}。",
        ),
        (r"There is no case action '(?P<action>[^']*)'\.", "没有「{action}」这一案件操作。"),
        (r"Camera (?P<code>\S+) has sent no frame yet\.", "摄像头 {code} 尚未发送画面。"),
        (
            r"Command (?P<id>\d+) of (?P<code>\S+) has no screenshot\.",
            "终端 {code} 的指令 {id} 没有截图。",
        ),
        (
            r"No (?P<kind>[\w ]+) has the code '(?P<code>[^']*)'\.",
            "没有编码为 {code} 的对象。",
        ),
        (
            r"Unknown case type '(?P<code>[^']*)'; GET /api/v1/case-types lists the codes\.",
            "未知的案件类型「{code}」。",
        ),
        (r"Describe the problem: the description is empty\.", "请描述问题：描述为空。"),
        (
            r"Reporting a case handled needs an after photo .*",
            "报告已处置需要上传处置后照片。",
        ),
        (
            r"Case (?P<number>\S+) has no after photo; .*",
            "案件 {number} 没有处置后照片，需由责任单位或摄像头提供后才能继续。",
        ),
        (
            r"Case (?P<number>\S+) already has an extension request.*",
            "案件 {number} 已有延时申请。",
        ),
        (
            r"Ask for between 1 and (?P<max>\d+) hours of extension.*",
            "延时须在 1 到 {max} 小时之间。",
        ),
        (
            r"Case (?P<number>\S+) has no extension request to decide on\.",
            "案件 {number} 没有待审批的延时申请。",
        ),
        (
            r"Case (?P<number>\S+) has no responsible unit to supervise\.",
            "案件 {number} 没有可督办的责任单位。",
        ),
        (
            r"Case (?P<number>\S+) is supervised by (?P<code>\S+) already, the top.*",
            "案件 {number} 已由最高一级 {code} 督办。",
        ),
        (r"Name the responsible unit to dispatch to.*", "请选择派遣的责任单位。"),
        (
            r"A call comes from the hotline or a non-police 110 call\.",
            "来电须来自12345热线或110非警情。",
        ),
        (
            r"Pick the road or the grid where the problem is\.",
            "请在地图上选点，或选择问题所在的道路或网格。",
        ),
        (
            r"Pick the place on the map, or a road and a landmark or house number\.",
            "请在地图上选点，或选择道路和地标/门牌号。",
        ),
        (r"This terminal is outside your reach\.", "该终端不在您的管辖范围内。"),
        (
            r"(?P<code>\S+): enrollment code (?P<enrollment>\S+)",
            "{code}：注册码 {enrollment}",
        ),
        (r"(?P<number>\S+): (?P<action>[a-z ]+) ✓", "{number}：{action} ✓"),
        (
            r"(?P<kind>\w+) → (?P<code>\S+): queued for the next heartbeat\.",
            "{kind} → {code}：已排队，随下次心跳下发。",
        ),
        (
            r"Photos must be image/jpeg or image/png, not '(?P<type>[^']*)'\.",
            "照片须为 JPEG 或 PNG 格式，而不是「{type}」。",
        ),
        (
            r"A (?P<kind>[\w ]+) with the code '(?P<code>[^']*)' exists already\.",
            "编码「{code}」已存在。",
        ),
        (
            r"A lock needs the message the out-of-service screen shows\.",
            "锁定终端须填写暂停服务界面显示的说明。",
        ),
        (
            r"Matter (?P<code>\S+) cannot be done at home; .*",
            "事项 {code} 不能上门办理，须到窗口办理。",
        ),
        (
            r"The visit time (?P<at>.+) is in the past \(it is (?P<now>.+) now\); book a time "
            r"to come\.",
            "上门时间 {at} 已过（现在是 {now}），请预约以后的时间。",
        ),
        (
            r"A visit starts between (?P<a>\S+) and (?P<b>\S+) \(Shanghai time\); (?P<at>.+) is "
            r"outside\.",
            "上门时间须在 {a} 至 {b} 之间，{at} 不在此范围。",
        ),
        (
            r"(?P<who>\S+) has visit (?P<ref>\S+) at (?P<at>.+); a visit takes .*",
            "{who} 在 {at} 已有上门 {ref}，请换时间或换人员。",
        ),
        (
            r"'(?P<who>[^']*)' is not an active member of the subdistrict's staff; .*",
            "「{who}」不是本街道在岗工作人员，请选择其他人员。",
        ),
        (
            r"Write (which documents are missing|why it cannot be done at home): .*",
            "请写明缺少的材料或无法上门办理的原因。",
        ),
        (
            r"Give both lon and lat \(WGS84 degrees\), or neither\.",
            "请同时给出经度和纬度，或都不给。",
        ),
        (
            r"The point lon .* lies outside every grid of the subdistrict.*",
            "所选位置不在本街道范围内。",
        ),
    )
]
# What a role may not open, as the Chinese pages name it.
WHAT_ZH = {
    "cases": "案件",
    "consult answers": "一键通答复",
    "enrollment codes": "注册码",
    "rule editing": "派单规则编辑",
    "terminal commands": "终端指令",
    "terminal registration": "终端登记",
    "the AI-patrol alarm": "AI巡屏报警",
    "the call-taker's form": "来电受理",
    "the cameras": "摄像头",
    "the consult queue": "一键通队列",
    "the dispatch rules": "派单规则",
    "the ratings": "好差评",
    "the sign-in audit": "登录审计",
    "the terminals": "自助终端",
    "the weekly report": "周报",
    "zone editing": "区域编辑",
    "the map": "地图",
    "the home visits": "上门服务",
    "the home-service request form": "上门服务申请",
    "booking home visits": "上门预约",
}


def _wording_pattern(wording: str) -> re.Pattern[str]:
    """The English wording as a pattern: its text as written, each {name} any text."""
    parts, seen = [], set()
    for literal, name, _spec, _conversion in string.Formatter().parse(wording):
        parts.append(re.escape(literal))
        if name is None:
            continue
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
        seen.add(name)
    return re.compile("".join(parts), re.DOTALL)


# The catalog's wordings as patterns, those with more fixed text first (the more specific).
WORDINGS: list[tuple[re.Pattern[str], str]] = [
    (_wording_pattern(english), zh)
    for english, zh in sorted(
        WORDINGS_ZH.items(),
        key=lambda item: -sum(len(lit) for lit, *_ in string.Formatter().parse(item[0])),
    )
]


# How deep messages carried inside messages are translated ("Check the rule: {error}", whose
# error is a list of "field: problem").
MAX_DEPTH = 4
_FIELD_PROBLEM = re.compile(r"(?P<field>[\w.]+): (?P<problem>.+)", re.DOTALL)


def translate_message(text: str, lang: str) -> str:
    """A message from a service or handler in the page's language; one with no Chinese
    wording stays as written (tests/backoffice/web/test_message_catalog.py keeps that from
    happening to any wording the code writes)."""
    if lang != "zh":
        return text
    return _zh(text, depth=0)


def _zh(text: str, depth: int) -> str:
    if text in ZH:
        return ZH[text]
    if text in TERMS_ZH:
        return TERMS_ZH[text]
    if text.replace(" ", "_") in ZH:  # an action as a sentence says it ("send back")
        return ZH[text.replace(" ", "_")]
    for pattern, zh in MESSAGES_ZH:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        parts = match.groupdict()
        for name in _TERMS:
            if name in parts:
                value = parts[name]
                if name == "what":
                    parts[name] = WHAT_ZH.get(value, value)
                else:
                    parts[name] = ZH.get(value, ZH.get(value.replace(" ", "_"), value))
        return zh.format(**parts)
    for pattern, zh in WORDINGS:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        # What fills a name is a term or a message of its own ("Check the rule: {error}").
        parts = {
            name: _zh(value, depth + 1) if depth < MAX_DEPTH else value
            for name, value in match.groupdict().items()
        }
        return zh.format(**parts)
    if depth >= MAX_DEPTH:
        return text
    # What a form's model refused (web.forms.problems): "field: message; field: message".
    if "; " in text:
        items = text.split("; ")
        translated = [_zh(item, depth + 1) for item in items]
        if translated != items:
            return "；".join(translated)
    problem = _FIELD_PROBLEM.fullmatch(text)
    if problem is not None:
        said = _zh(problem["problem"], depth + 1)
        if said != problem["problem"]:
            return f"{_zh(problem['field'], depth + 1)}：{said}"
    return text
