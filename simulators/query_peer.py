"""The no-certificate query upstream as an HTTP peer speaking contracts/queries.openapi.json:
plausible answers per query (places of the Jiangsu Road area, Shanghai's published figures,
receipts whose number carries the day they were taken, account balances that differ per
person), and the faults the back office's adapter must survive: slow, 5xx, malformed, down.

Runs in `simulators.upstream_peers.UpstreamPeers` with the other upstreams (the demo's
``python -m simulators upstreams``, one per test process in tests/upstreams.py).

``GET /v1/queries/{code}[?reference=…][&person=<64 hex>]`` (the person for an identified one).
Receipt numbers are 12 digits, the day received (YYYYMMDD) then a serial; serial 0000 or a day
still to come is a receipt nobody was given (404).
"""

from __future__ import annotations

import hashlib
import random
import re
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from simulators.http_peer import HttpPeer, Reply

RECEIPT = re.compile(r"^(\d{8})(\d{4})$")
PERSON = re.compile(r"^[0-9a-f]{64}$")
REFERENCE = re.compile(r"^[A-Za-z0-9-]{4,32}$")
Row = dict[str, Any]


class NotFound(Exception):
    pass


class BadRequest(Exception):
    pass


def _fen(yuan: float) -> int:
    return round(yuan * 100)


PLACES: dict[str, Any] = {
    "hospital": [
        ("上海市第六人民医院", "三级甲等", "徐汇区宜山路600号", "021-64369181"),
        ("复旦大学附属华山医院", "三级甲等", "静安区乌鲁木齐中路12号", "021-52889999"),
        ("长宁区中心医院", "二级甲等", "长宁区仙霞路1111号", "021-62909911"),
        ("上海市同仁医院", "三级乙等", "长宁区仙霞路1111号", "021-52039999"),
        ("长宁区江苏路街道社区卫生服务中心", "一级", "长宁区岐山路1号", "021-62521009"),
        ("长宁区精神卫生中心", "二级专科", "长宁区协和路299号", "021-62906166"),
    ],
    "canteen": [
        (
            "江苏路街道长者食堂（岐山村）",
            "长宁区岐山路78号",
            15,
            "11:00-13:00，17:00-18:30",
            "021-62527731",
        ),
        ("愚园路社区助餐点", "长宁区愚园路1088弄12号", 14, "10:45-12:30", "021-62130562"),
        ("华山路睦邻点助餐点", "长宁区华山路263弄7号", 16, "11:00-12:30", "021-62489907"),
        ("武夷路长者食堂", "长宁区武夷路200号", 15, "10:30-13:00，16:30-18:00", "021-62254410"),
    ],
    "aids": [
        (
            "长宁区残疾人辅助器具服务中心",
            "长宁区天山路1800号",
            "轮椅、助行器、助听器适配与租借",
            "周一至周五 9:00-16:30",
            "021-52069025",
        ),
        (
            "江苏路街道阳光之家",
            "长宁区万航渡路623弄",
            "辅具申请受理、上门评估预约",
            "周一至周五 8:30-16:30",
            "021-62521143",
        ),
    ],
    "centre": ("江苏路街道社区事务受理服务中心", "长宁区愚园路1245号"),
    "clinic": [
        (
            "长宁区江苏路街道社区卫生服务中心",
            "长宁区岐山路1号",
            "周一至周六 8:00-16:30",
            14,
            "021-62521009",
        ),
        (
            "华阳路街道社区卫生服务中心",
            "长宁区安西路32号",
            "周一至周六 8:00-16:30",
            11,
            "021-62526316",
        ),
        (
            "江苏路街道愚园路卫生服务站",
            "长宁区愚园路1320号",
            "周一至周五 8:00-11:30",
            3,
            "021-62128870",
        ),
    ],
    "vaccine": [
        (
            "江苏路街道社区卫生服务中心预防接种门诊",
            "长宁区岐山路1号三楼",
            "周二、周四、周六上午",
            "儿童免疫规划疫苗、流感、带状疱疹",
            "021-62521009-8031",
        ),
        (
            "长宁区疾控中心成人接种门诊",
            "长宁区延安西路1116号",
            "周一至周五 8:30-11:00",
            "狂犬病、乙肝、HPV、流感",
            "021-62400021",
        ),
    ],
    "care_home": [
        ("长宁区江苏路街道敬老院", "长宁区华山路599号", 120, "2950"),
        ("上海市长宁区社会福利院", "长宁区哈密路1779号", 380, "3800"),
        ("愚园路长者照护之家", "长宁区愚园路880号", 36, "4200"),
        ("长宁区新华路颐养院", "长宁区新华路500号", 96, "5600"),
    ],
    "legal": [
        (
            "江苏路街道公共法律服务工作站",
            "长宁区愚园路1245号二楼",
            "周一至周五 9:00-17:00",
            "021-62251148",
        ),
        ("长宁区法律援助中心", "长宁区长宁路599号", "周一至周五 9:00-17:00", "12348"),
        (
            "江苏路街道人民调解委员会",
            "长宁区愚园路1245号二楼",
            "周一至周五 8:30-17:00",
            "021-62251150",
        ),
    ],
    "bulky": [
        (
            "岐山村大件垃圾临时堆放点",
            "长宁区岐山路66弄东侧",
            "每日 7:00-9:00，18:00-20:00",
            "021-62521120",
        ),
        ("愚园路大件垃圾投放点", "长宁区愚园路1136弄南门", "每周二、五 8:00-10:00", "021-62521120"),
        ("华山路大件垃圾投放点", "长宁区华山路303弄", "每周三、六 8:00-10:00", "021-62521120"),
    ],
    "charity": [
        (
            "长宁区江苏路街道慈善超市",
            "长宁区愚园路1210号",
            "衣物、被褥、日用品、图书",
            "周一至周六 9:00-16:30",
        ),
        (
            "长宁区慈善基金会捐赠点",
            "长宁区长宁路599号",
            "善款、衣物、学习用品",
            "周一至周五 9:00-16:30",
        ),
    ],
    "party": [
        (
            "江苏路街道党群服务中心",
            "长宁区愚园路1245号三楼",
            "党员学习、志愿服务、议事协商",
            "周一至周六 9:00-20:00",
        ),
        (
            "愚园路党群服务站",
            "长宁区愚园路1107号",
            "楼宇党建、青年活动、法律咨询",
            "周一至周五 9:00-18:00",
        ),
        (
            "长宁来福士楼宇党群服务站",
            "长宁区长宁路1139号",
            "白领服务、职工之家、母婴室",
            "周一至周五 9:00-19:00",
        ),
    ],
}
JOBS = [
    ("社区助老员", "江苏路街道社区服务中心", 5200, 6500),
    ("物业客服专员", "上海长房物业有限公司", 5500, 7000),
    ("收银员", "联华超市（愚园路店）", 5000, 6200),
    ("快递分拣员", "顺丰速运长宁营业部", 6500, 8500),
    ("行政助理", "长宁来福士广场管理处", 6500, 8000),
    ("餐厅服务员", "江苏路餐饮服务有限公司", 5000, 6000),
    ("保安员", "上海保安服务长宁分公司", 5300, 6300),
    ("软件测试工程师", "愚园路科技园入驻企业", 12000, 18000),
    ("护理员", "长宁区社会福利院", 6000, 7500),
]
COURSES = [
    ("养老护理员（五级）", "长宁区职业技能培训中心", 120, 3200, 2300),
    ("中式烹调师（四级）", "上海市商业学校", 240, 4800, 3000),
    ("电工（五级）", "长宁区职业技能培训中心", 160, 3600, 2400),
    ("育婴员（五级）", "上海开放大学长宁分校", 96, 2600, 1800),
    ("人工智能训练师（四级）", "长宁区职业技能培训中心", 200, 5600, 3800),
]
POLICIES = [
    ("老年综合津贴", "65周岁及以上本市户籍老人", 75, "社区事务受理服务中心 2 号窗口"),
    (
        "城乡居民最低生活保障",
        "家庭人均月收入低于1510元的本市户籍家庭",
        1510,
        "社区事务受理服务中心 5 号窗口",
    ),
    ("困难残疾人生活补贴", "本市户籍困难残疾人", 755, "社区事务受理服务中心 6 号窗口"),
    ("重度残疾人护理补贴", "本市户籍重度残疾人", 300, "社区事务受理服务中心 6 号窗口"),
    (
        "独生子女父母奖励",
        "退休时持有独生子女父母光荣证的人员",
        100,
        "社区事务受理服务中心 3 号窗口",
    ),
]
WASTE = [
    ("recyclable", "废纸、塑料瓶、玻璃、金属、旧衣物", "轻投轻放，清洁干燥，压扁后投放"),
    ("hazardous", "废电池、废灯管、过期药品、油漆桶", "投放时注意轻放，易破损的连带包装投放"),
    ("wet", "剩菜剩饭、果皮、菜叶、蛋壳", "去除包装物后投放，纯流质倒入下水口"),
    ("dry", "餐巾纸、烟蒂、陶瓷碎片、一次性餐具", "尽量沥干水分，难以辨识的投放至干垃圾"),
]
HOTLINES = [
    ("市民服务热线", "12345", "24小时"),
    ("医保服务热线", "021-962218", "工作日 8:30-17:00"),
    ("社保服务热线", "12333", "24小时（人工 8:00-20:00）"),
    ("公共法律服务热线", "12348", "24小时"),
    ("老年人关爱热线", "021-962200", "24小时"),
    ("街道社区事务受理服务中心", "021-62253010", "工作日 8:30-17:00，周六 8:30-12:00"),
]
COUNTERS = [
    ("1 号窗口", "社保卡、医保"),
    ("2 号窗口", "老年与助残"),
    ("3 号窗口", "生育与家庭"),
    ("4 号窗口", "居住证"),
    ("5 号窗口", "社会救助"),
    ("6 号窗口", "综合受理"),
]
MATTERS = [
    ("上海市居住证申领", ("窗口受理", "派出所审核", "证件制作", "待领取")),
    ("老年综合津贴申领", ("窗口受理", "街道审核", "区民政复核", "发放")),
    ("社会保障卡挂失补换", ("窗口受理", "制卡", "待领取")),
    ("医保就医记录册申领与更换", ("窗口受理", "制册", "待领取")),
    ("最低生活保障申请", ("窗口受理", "入户调查", "公示", "审批")),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙朱胡郭何高林"
GIVEN = ["秀英", "建国", "丽华", "志强", "海燕", "明", "静", "伟", "芳", "玉兰", "国强", "晓东"]
OFFICES = ["社保医保窗口", "老年与助残窗口", "居住证窗口", "社会救助窗口", "综合受理窗口"]


class QueryAnswers:
    """The peer's answers: a pure function of (code, reference, person, today)."""

    def __init__(self, today: Callable[[], date] = date.today) -> None:
        self._today = today

    def answer(self, code: str, reference: str | None, person: str | None) -> list[Row]:
        maker = getattr(self, "_" + code.lower().replace("-", "_"), None)
        if maker is None:
            raise NotFound(code)
        rows: list[Row] = maker(reference, person)
        return rows

    def _rng(self, *parts: object) -> random.Random:
        """A generator that gives the same rows the same day, and other rows another day."""
        seed = "|".join(str(p) for p in (*parts, self._today().isoformat()))
        return random.Random(hashlib.sha256(seed.encode()).digest())

    # --- figures Shanghai publishes --------------------------------------------------------------

    def _si_base_query(self, _ref: str | None, _person: str | None) -> list[Row]:
        year = self._today().year if self._today().month >= 7 else self._today().year - 1
        return [
            {
                "period": f"{year}年7月1日至{year + 1}年6月30日",
                "base_min_fen": _fen(7460),
                "base_max_fen": _fen(37302),
                "pension_employer": 16,
                "pension_employee": 8,
                "medical_employer": 9,
                "medical_employee": 2,
                "unemployment_employee": 0.5,
                "effective_from": f"{year}-07-01",
            }
        ]

    def _q_min_wage(self, _ref: str | None, _person: str | None) -> list[Row]:
        return [
            {
                "monthly_fen": _fen(2740),
                "hourly_fen": _fen(24),
                "effective_from": "2025-07-01",
                "excludes": "加班工资、夜班津贴、高温津贴、个人缴纳的社会保险费和住房公积金",
            }
        ]

    def _hou_rules_query(self, _ref: str | None, _person: str | None) -> list[Row]:
        return [
            {"scheme": "廉租住房", "income_limit_fen": _fen(4200), "area_limit_m2": 10,
             "residence_years": 3},
            {"scheme": "共有产权保障住房", "income_limit_fen": _fen(7000), "area_limit_m2": 15,
             "residence_years": 3},
            {"scheme": "公共租赁住房", "income_limit_fen": _fen(9000), "area_limit_m2": 15,
             "residence_years": 1},
        ]  # fmt: skip

    def _q_centre_info(self, _ref: str | None, _person: str | None) -> list[Row]:
        name, address = PLACES["centre"]
        return [
            {
                "name": name,
                "address": address,
                "weekday_hours": "8:30-17:00（中午不休）",
                "saturday_hours": "8:30-12:00",
                "metro": "2号线、11号线江苏路站 3 号口，步行约 5 分钟",
                "buses": "20、44、825 路江苏路愚园路站",
                "phone": "021-62253010",
            }
        ]

    # --- places near the centre -----------------------------------------------------------------

    def _mi_hospital_query(self, _ref: str | None, _person: str | None) -> list[Row]:
        keys = ("name", "level", "address", "phone")
        return [dict(zip(keys, p, strict=True)) for p in PLACES["hospital"]]

    def _el_canteen_query(self, _ref: str | None, _person: str | None) -> list[Row]:
        return [
            {"name": n, "address": a, "meal_price_fen": _fen(p), "hours": h, "phone": t}
            for n, a, p, h, t in PLACES["canteen"]
        ]

    def _dis_aids_query(self, _ref: str | None, _person: str | None) -> list[Row]:
        keys = ("name", "address", "services", "hours", "phone")
        return [dict(zip(keys, p, strict=True)) for p in PLACES["aids"]]

    def _q_clinic(self, _ref: str | None, _person: str | None) -> list[Row]:
        keys = ("name", "address", "hours", "family_doctor_teams", "phone")
        return [dict(zip(keys, p, strict=True)) for p in PLACES["clinic"]]

    def _q_vaccine(self, _ref: str | None, _person: str | None) -> list[Row]:
        keys = ("name", "address", "days", "vaccines", "phone")
        return [dict(zip(keys, p, strict=True)) for p in PLACES["vaccine"]]

    def _q_care_home(self, _ref: str | None, _person: str | None) -> list[Row]:
        rng = self._rng("care-home")
        return [
            {"name": n, "address": a, "beds": beds, "free_beds": rng.randint(0, beds // 10),
             "monthly_fee_fen": _fen(float(fee)), "phone": f"021-6{rng.randint(2000000, 2999999)}"}
            for n, a, beds, fee in PLACES["care_home"]
        ]  # fmt: skip

    def _q_legal_aid(self, _ref: str | None, _person: str | None) -> list[Row]:
        keys = ("name", "address", "hours", "phone")
        return [dict(zip(keys, p, strict=True)) for p in PLACES["legal"]]

    def _q_bulky_waste(self, _ref: str | None, _person: str | None) -> list[Row]:
        keys = ("name", "address", "open_times", "booking_phone")
        return [dict(zip(keys, p, strict=True)) for p in PLACES["bulky"]]

    def _q_charity(self, _ref: str | None, _person: str | None) -> list[Row]:
        keys = ("name", "address", "accepts", "hours")
        return [dict(zip(keys, p, strict=True)) for p in PLACES["charity"]]

    def _q_party_mass(self, _ref: str | None, _person: str | None) -> list[Row]:
        keys = ("name", "address", "services", "hours")
        return [dict(zip(keys, p, strict=True)) for p in PLACES["party"]]

    def _q_waste(self, _ref: str | None, _person: str | None) -> list[Row]:
        return [{"kind": k, "examples": e, "how": h} for k, e, h in WASTE]

    def _q_hotline(self, _ref: str | None, _person: str | None) -> list[Row]:
        return [{"name": n, "number": t, "hours": h} for n, t, h in HOTLINES]

    # --- what changes from day to day -------------------------------------------------------------

    def _emp_vacancy_query(self, _ref: str | None, _person: str | None) -> list[Row]:
        rng = self._rng("jobs")
        picked = rng.sample(JOBS, 6)
        return [
            {"title": t, "employer": e, "salary_min_fen": _fen(lo), "salary_max_fen": _fen(hi),
             "openings": rng.randint(1, 8),
             "apply_by": (self._today() + timedelta(days=rng.randint(7, 45))).isoformat()}
            for t, e, lo, hi in picked
        ]  # fmt: skip

    def _q_training(self, _ref: str | None, _person: str | None) -> list[Row]:
        rng = self._rng("courses")
        return [
            {"course": c, "school": s,
             "starts_on": (self._today() + timedelta(days=rng.randint(5, 60))).isoformat(),
             "class_hours": h, "fee_fen": _fen(fee), "subsidy_fen": _fen(sub)}
            for c, s, h, fee, sub in COURSES
        ]  # fmt: skip

    def _q_policy(self, _ref: str | None, _person: str | None) -> list[Row]:
        keys = ("title", "who", "amount_fen", "apply_at")
        return [dict(zip(keys, (t, w, _fen(a), p), strict=True)) for t, w, a, p in POLICIES]

    def _q_queue(self, _ref: str | None, _person: str | None) -> list[Row]:
        rng = self._rng("queue", int(time.time() // 300))  # changes every five minutes
        rows = []
        for counter, service in COUNTERS:
            waiting = rng.randint(0, 9)
            rows.append(
                {"counter": counter, "service": service, "waiting": waiting,
                 "wait_minutes": waiting * rng.randint(4, 9)}
            )  # fmt: skip
        return rows

    def _q_ratings(self, _ref: str | None, _person: str | None) -> list[Row]:
        first = self._today().replace(day=1)
        last_month = (first - timedelta(days=1)).strftime("%Y-%m")
        rng = self._rng("ratings", last_month)
        rows = []
        for office in OFFICES:
            count = rng.randint(180, 900)
            bad = rng.randint(0, 6)
            satisfied = round(100 * (count - bad - rng.randint(0, 4)) / count, 1)
            rows.append(
                {"month": last_month, "office": office, "ratings": count,
                 "satisfied_percent": satisfied, "bad": bad, "rectified": rng.randint(0, bad)}
            )  # fmt: skip
        return rows

    # --- by reference number or person --------------------------------------------------------

    def _q_progress(self, reference: str | None, _person: str | None) -> list[Row]:
        if reference is None:
            raise BadRequest("this query needs the receipt number")
        match = RECEIPT.match(reference)
        if match is None or match.group(2) == "0000":
            raise NotFound(reference)
        try:
            received = date(*(int(x) for x in (reference[:4], reference[4:6], reference[6:8])))
        except ValueError as exc:
            raise NotFound(reference) from exc
        today = self._today()
        if received > today or (today - received).days > 730:
            raise NotFound(reference)
        rng = random.Random(reference)
        matter, steps = MATTERS[rng.randrange(len(MATTERS))]
        days = (today - received).days
        step_index = min(len(steps) - 1, days // 4)
        if step_index == len(steps) - 1:
            status = "ready" if steps[-1] == "待领取" else "approved"
        elif rng.random() < 0.15:
            status = "need_more"
        else:
            status = "received" if step_index == 0 else "in_review"
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        return [
            {
                "receipt": reference,
                "matter": matter,
                "applicant": name,
                "received_on": received.isoformat(),
                "status": status,
                "step": steps[step_index],
                "expected_by": (received + timedelta(days=4 * len(steps) + 2)).isoformat(),
            }
        ]

    def _mi_account_query(self, _ref: str | None, person: str | None) -> list[Row]:
        if person is None:
            raise BadRequest("this query needs the person")
        if person.startswith("0000"):
            raise NotFound("person")
        rng = random.Random(person)
        today = self._today()
        changed = today - timedelta(days=rng.randint(1, 40))
        return [
            {
                "current_fen": rng.randint(0, 420_000),
                "history_fen": rng.randint(0, 2_500_000),
                "last_change_fen": rng.randint(500, 30_000),
                "last_change_on": changed.isoformat(),
                "balance_on": (today - timedelta(days=1)).isoformat(),
            }
        ]


class QueryPeer(HttpPeer):
    """The query upstream on HTTP, with the faults of every peer (``set_fault``: slow, error,
    malformed, down)."""

    def __init__(self, port: int = 0, answers: QueryAnswers | None = None) -> None:
        super().__init__(port)
        self.answers = answers or QueryAnswers()
        self.route("GET", "/v1/queries/{code}", self._answer)

    def _answer(self, params: dict[str, str], _body: Any, query: dict[str, str]) -> Reply:
        reference, person = query.get("reference"), query.get("person")
        try:
            if reference is not None and not REFERENCE.match(reference):
                raise BadRequest("malformed reference")
            if person is not None and not PERSON.match(person):
                raise BadRequest("malformed person")
            rows = self.answers.answer(params["code"], reference, person)
        except BadRequest as exc:
            return Reply(400, {"error": "bad_request", "message": str(exc)})
        except NotFound:
            return Reply(404, {"error": "not_found", "message": "no record"})
        now = datetime.now(UTC).isoformat(timespec="seconds")
        return Reply(200, {"code": params["code"], "as_of": now, "rows": rows})

    def malformed(self, status: int, body: Any) -> Reply:
        """Well-formed JSON whose rows lose their first field and carry every value as text."""
        if status != 200:
            return super().malformed(status, body)
        rows = [{k: str(v) for k, v in list(r.items())[1:]} for r in body["rows"]]
        return Reply(status, {**body, "rows": rows})
