"""What the demo university looks like: campuses, people, buildings, prices, meters, seasons.

Plain data for `demo.data`; change a figure here to change the demo, not the generator.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.db.models.metering import ELECTRICITY, WATER

# code, campus, branch (counter), branch address, branch phone
CAMPUSES = (
    ("D", "东校区", "东校区分中心", "东校区后勤服务楼一楼", "0571-88201001"),
    ("X", "西校区", "西校区分中心", "西校区综合楼102室", "0571-88202002"),
    ("N", "南校区", "南校区分中心", "南校区学生活动中心旁", "0571-88203003"),
)
CAMPUS_WEIGHTS = (0.40, 0.35, 0.25)

# Customer class codes, as seeded by the first migration.
RESIDENT, DORMITORY, UNIT = "resident", "dormitory", "unit"
CLASS_SHARES = ((RESIDENT, 0.55), (DORMITORY, 0.30), (UNIT, 0.15))
PREPAID_SHARE = {RESIDENT: 0.4, DORMITORY: 0.8, UNIT: 0.1}
# Opening balance of a prepaid account: range(start, stop, step) in yuan.
OPENING_BALANCE = {RESIDENT: (100, 800, 1), DORMITORY: (50, 300, 1), UNIT: (1000, 20000, 100)}

# role (server.services.staff.org.ROLES) → demo password. One admin in all; every branch gets
# the other roles.
DEMO_PASSWORDS = {
    "admin": "admin123",
    "clerk": "clerk123",
    "manager": "manager123",
    "reader": "reader123",
}
BRANCH_POSTS = ("clerk", "manager", "reader")

# (kind, class) → (name, ((component, ((tier start, unit price), ...)), ...)); tiers are
# monthly. Electricity after the provincial grid's 阶梯电价, water 水费 + 污水处理费.
TARIFFS: dict[tuple[str, str], tuple[str, tuple[tuple[str, tuple[tuple[int, str], ...]], ...]]] = {
    (ELECTRICITY, RESIDENT): (
        "居民生活用电",
        (("电费", ((0, "0.5483"), (230, "0.5983"), (400, "0.8483"))),),
    ),
    (ELECTRICITY, DORMITORY): ("集体宿舍用电", (("电费", ((0, "0.5483"), (300, "0.6483"))),)),
    (ELECTRICITY, UNIT): ("单位用电", (("电费", ((0, "0.7386"), (10000, "0.7886"))),)),
    (WATER, RESIDENT): (
        "居民生活用水",
        (("水费", ((0, "2.45"), (15, "3.68"), (25, "4.90"))), ("污水处理费", ((0, "0.95"),))),
    ),
    (WATER, DORMITORY): (
        "集体宿舍用水",
        (("水费", ((0, "2.45"), (40, "3.68"))), ("污水处理费", ((0, "0.95"),))),
    ),
    (WATER, UNIT): (
        "单位用水",
        (("水费", ((0, "3.45"), (500, "4.20"))), ("污水处理费", ((0, "1.20"),))),
    ),
}
TARIFF_YEARS_BACK = 2
# The class the office adds during the year (demo.corrections): shops pay a deposit, and their
# electricity is tiered on the year's usage.
SHOP, SHOP_NAME, SHOP_BINDINGS, SHOP_DEPOSIT = "shop", "商户", 2, "500.00"
SHOP_TARIFFS = (
    (ELECTRICITY, "商户用电", (("电费", ((0, "0.8286"), (6000, "0.8786"))),), True),
    (WATER, "商户用水", (("水费", ((0, "4.95"),)), ("污水处理费", ((0, "1.20"),))), False),
)  # (kind, name, components, annual tiers)
SHOP_NAMES = ("便民超市", "打印复印店", "水果店", "咖啡馆")

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
)
GIVEN_NAMES = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华玉萍红玲芬燕彬鹏辉斌浩宇欣怡涵轩桐晨阳博佳琪"
    "鸣志海春梅晓东立新永振德"
)
UNIT_HOLDERS = (
    *("数学科学学院", "物理学院", "化学与分子工程学院", "计算机科学与技术学院", "外国语学院"),
    *("经济管理学院", "法学院", "生命科学学院", "材料科学与工程学院", "机械工程学院"),
    *("土木工程学院", "医学院", "图书馆", "校医院", "后勤集团", "保卫处", "教务处", "研究生院"),
    *("档案馆", "网络信息中心", "体育部", "艺术学院", "幼儿园", "招待所", "校园超市"),
    *("第一食堂", "第二食堂", "印刷厂"),
)
UNIT_BUILDINGS = (
    *("第一教学楼", "第二教学楼", "第三教学楼", "行政楼", "图书馆", "实验楼A座", "实验楼B座"),
    *("科研楼", "体育馆", "学生活动中心", "校医院", "第一食堂", "第二食堂", "后勤服务楼"),
)
RESIDENT_PER_BUILDING = 48  # 4 单元 × 6 floors × 2 doors
DORM_PER_BUILDING = 180  # 6 floors × 30 rooms
UNIT_PER_BUILDING = 40  # 5 floors × 8 rooms


@dataclass(frozen=True)
class MeterModel:
    kind: str
    model: str
    digits: tuple[int, ...]  # one is drawn per meter
    usage: float  # typical monthly usage (kWh, m³) after the multiplier
    spread: float  # σ of the log-normal spread between accounts
    location: str
    source: str  # how it is usually read
    ratios: tuple[int, ...] = (1,)  # CT ratios (倍率), one drawn per meter


_HOUSE_METER = MeterModel(
    ELECTRICITY, "DDZY1552 单相费控智能电能表", (5, 6, 6, 6), 180, 0.35, "楼道电表箱", "handheld"
)
_KITCHEN_WATER = MeterModel(WATER, "LXS-15E 旋翼式冷水表", (5,), 10, 0.35, "厨房水表", "field")
_OLD_WATER = MeterModel(WATER, "LXS-15C 旋翼湿式水表", (4,), 10, 0.35, "厨房水表", "field")
_DORM_METER = MeterModel(
    ELECTRICITY, "DDZY1552 单相费控智能电能表", (6,), 260, 0.3, "走廊电表箱", "handheld"
)
_DORM_WATER = MeterModel(WATER, "LXSY-15 蓝牙远传水表", (5,), 18, 0.3, "卫生间水表", "ble")
_CT_METER = MeterModel(
    ELECTRICITY,
    "DTSD1552 三相四线电子式电能表（经互感器）",
    (6,),
    12000,
    0.5,
    "配电室",
    "remote",
    (30, 50, 80),
)
_UNIT_METER = MeterModel(
    ELECTRICITY, "DTZY1552 三相四线费控智能电能表", (7, 8), 2500, 0.6, "楼层配电箱", "handheld"
)
_AC_METER = MeterModel(
    ELECTRICITY, "DTZY1552 三相四线费控智能电能表", (7,), 1500, 0.6, "空调专用配电箱", "handheld"
)
_UNIT_WATER = MeterModel(WATER, "LXS-25E 旋翼式冷水表", (5, 6), 120, 0.6, "水表井", "field")

# class → the account's metering points: (chance it has one, ((weight, model), ...)).
# Every account has electricity, most have water, some units a second electricity meter.
METERING_POINTS: dict[str, tuple[tuple[float, tuple[tuple[int, MeterModel], ...]], ...]] = {
    RESIDENT: ((1.0, ((1, _HOUSE_METER),)), (0.97, ((7, _KITCHEN_WATER), (3, _OLD_WATER)))),
    DORMITORY: ((1.0, ((1, _DORM_METER),)), (0.95, ((1, _DORM_WATER),))),
    UNIT: (
        (1.0, ((1, _CT_METER), (4, _UNIT_METER))),
        (0.4, ((1, _AC_METER),)),
        (0.85, ((1, _UNIT_WATER),)),
    ),
}
# Registers count 0.01 kWh and whole m³ (in thousandths, as readings are stored).
REGISTER_STEP = {ELECTRICITY: 10, WATER: 1000}

# Monthly usage factors by calendar month: air conditioning in summer, heating in winter,
# showers and watering in summer; dormitories empty over the winter and summer breaks.
_ELECTRICITY = (1.35, 1.25, 1.0, 0.9, 0.95, 1.2, 1.6, 1.65, 1.2, 0.95, 1.0, 1.3)
_WATER = (0.9, 0.9, 0.95, 1.0, 1.05, 1.2, 1.35, 1.35, 1.15, 1.0, 0.95, 0.9)
_TERM = (0.5, 0.3, 1, 1, 1, 1, 0.35, 0.25, 1, 1, 1, 1)
SEASONS: dict[tuple[str, str], tuple[float, ...]] = {
    (ELECTRICITY, RESIDENT): _ELECTRICITY,
    (WATER, RESIDENT): _WATER,
    (ELECTRICITY, DORMITORY): tuple(s * t for s, t in zip(_ELECTRICITY, _TERM, strict=True)),
    (WATER, DORMITORY): tuple(s * t for s, t in zip(_WATER, _TERM, strict=True)),
    (ELECTRICITY, UNIT): tuple(1 + 0.6 * (s - 1) for s in _ELECTRICITY),
    (WATER, UNIT): tuple(1 + 0.5 * (s - 1) for s in _WATER),
}
