"""Deterministic generation of the synthetic registers, one block of residents at a time.

A block is ``BLOCK_SIZE`` residents with everything that hangs off them: households, the
buildings they live in and the parcels those stand on, address history, family relations,
vehicles, taxes, refunds, insurance, military records, businesses and income. A block is
generated from ``random.Random(f"{seed}:{block}")`` alone (no wall-clock, no database), so
the same seed gives the same rows, loading more residents appends blocks without touching
the ones already loaded, and every reference points inside the block.

Primary keys are ``block * ID_STRIDE + n``. Identifiers that must be unique across blocks
(RRN, PNU, building id, plate, business number) are bijections of a global counter.

Resident registration numbers are RRN-shaped but synthetic on purpose: the check digit
(the 13th digit) is always wrong (see ``synthetic_rrn``), and ``Resident.synthetic`` is set.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from .geography import DISTRICTS, District, district

BLOCK_SIZE = 500
ID_STRIDE = 10_000  # rows of one table in one block stay far below this
MAX_BLOCKS = 2_000  # RRN serials are unique for up to 1,000,000 residents
REFERENCE_DATE = date(2026, 6, 30)  # the registers' "today": ages and dates are relative to it
REFERENCE_ORDINAL = REFERENCE_DATE.toordinal()

# Columns of every table, in the order the generator writes rows (model attnames).
TABLES: dict[str, tuple[str, ...]] = {
    "parcel": (
        "id",
        "pnu",
        "district_code",
        "lot_address",
        "land_category",
        "area_m2",
        "official_land_price",
        "zoning",
        "districts",
        "owner_id",
        "owner_name",
        "ownership_share",
    ),
    "mortgage": ("id", "parcel_id", "creditor", "max_amount", "registered_on"),
    "building": (
        "id",
        "management_number",
        "parcel_id",
        "road_address",
        "main_use",
        "floors_above",
        "floors_below",
        "total_floor_area_m2",
        "approval_date",
        "violation",
        "owner_id",
        "owner_name",
    ),
    "household": ("id", "building_id", "unit", "head_id"),
    "resident": (
        "id",
        "rrn",
        "name",
        "birth_date",
        "sex",
        "phone",
        "household_id",
        "relation_to_head",
        "move_in_date",
        "synthetic",
    ),
    "addresshistory": ("id", "resident_id", "building_id", "unit", "moved_in", "moved_out"),
    "familyrelation": ("id", "resident_id", "relative_id", "relation"),
    "vehicle": ("id", "plate", "model_name", "model_year", "owner_id", "registered_building_id", "registered_on"),
    "taxrecord": ("id", "resident_id", "authority", "tax_name", "tax_year", "assessed", "paid", "due_date"),
    "refund": ("id", "resident_id", "agency", "description", "amount", "occurred_on", "claim_deadline"),
    "healthinsurance": ("id", "resident_id", "insured_type", "acquired_on", "lost_on", "employer_name"),
    "militaryrecord": (
        "id",
        "resident_id",
        "service_status",
        "branch",
        "enlisted_on",
        "discharged_on",
        "discharge_type",
    ),
    "business": ("id", "resident_id", "business_number", "trade_name", "business_type", "opened_on", "status"),
    "incomerecord": ("id", "resident_id", "tax_year", "total_income", "income_types"),
}
# Insertion order (references are checked at commit, but this keeps the stream readable).
TABLE_ORDER = tuple(TABLES)

SURNAMES = (
    ("김",) * 21
    + ("이",) * 14
    + ("박",) * 8
    + ("최",) * 5
    + ("정",) * 4
    + (
        "강",
        "조",
        "윤",
        "장",
        "임",
        "한",
        "오",
        "서",
        "신",
        "권",
        "황",
        "안",
        "송",
        "류",
        "전",
        "홍",
        "고",
        "문",
        "양",
        "손",
        "배",
        "백",
        "허",
        "유",
        "남",
        "심",
        "노",
        "하",
        "곽",
        "성",
    )
)
GIVEN_M = (
    "민준",
    "서준",
    "도윤",
    "예준",
    "시우",
    "하준",
    "주원",
    "지호",
    "준우",
    "현우",
    "건우",
    "우진",
    "성민",
    "정훈",
    "영수",
    "상철",
    "동현",
    "재현",
    "승현",
    "태호",
    "영호",
    "민수",
    "진우",
    "병철",
)
GIVEN_F = (
    "서연",
    "서윤",
    "지우",
    "서현",
    "민서",
    "하은",
    "하윤",
    "윤서",
    "지민",
    "채원",
    "수빈",
    "지은",
    "미경",
    "영희",
    "정숙",
    "은영",
    "혜진",
    "수진",
    "민지",
    "유진",
    "경희",
    "순자",
    "지현",
    "소영",
)
EMPLOYERS = (
    "(주)한빛전자",
    "대한물산(주)",
    "서울교통공사",
    "(주)푸른소프트",
    "국민은행",
    "한국전력공사",
    "(주)새솔건설",
    "미래의료재단",
    "(주)바른식품",
    "한강물류(주)",
    "(주)누리텔레콤",
    "동해해운(주)",
    "○○초등학교",
    "(주)다온디자인",
    "삼정회계법인",
)
BANKS = ("국민은행", "신한은행", "우리은행", "하나은행", "농협은행", "기업은행", "새마을금고")
VEHICLE_MODELS = (
    "현대 아반떼",
    "현대 쏘나타",
    "현대 그랜저",
    "기아 K5",
    "기아 쏘렌토",
    "기아 카니발",
    "제네시스 G80",
    "현대 투싼",
    "기아 레이",
    "쉐보레 스파크",
    "르노 QM6",
    "KG모빌리티 토레스",
    "현대 아이오닉 5",
    "기아 EV6",
    "테슬라 모델 Y",
    "BMW 520i",
    "벤츠 E300",
    "현대 포터2",
)
PLATE_HANGUL = (
    "가",
    "나",
    "다",
    "라",
    "마",
    "거",
    "너",
    "더",
    "러",
    "머",
    "버",
    "서",
    "어",
    "저",
    "고",
    "노",
    "도",
    "로",
    "모",
    "보",
    "소",
    "오",
    "조",
    "구",
    "누",
    "두",
    "루",
    "무",
    "부",
    "수",
    "우",
    "주",
    "하",
    "허",
    "호",
)
TRADE_SUFFIXES = (
    ("식당", "음식점업 / 한식"),
    ("칼국수", "음식점업 / 한식"),
    ("카페", "음식점업 / 커피전문점"),
    ("상회", "도매 및 소매업 / 잡화"),
    ("부동산", "부동산업 / 중개"),
    ("세탁소", "서비스업 / 세탁"),
    ("미용실", "서비스업 / 미용"),
    ("편의점", "도매 및 소매업 / 편의점"),
    ("디자인", "전문서비스업 / 디자인"),
    ("수학학원", "교육서비스업 / 학원"),
)
LOCAL_REFUNDS = ("자동차세 연납 과오납 환급금", "재산세 이중납부 환급금", "지방소득세 환급금", "주민세 과오납 환급금")
NATIONAL_REFUNDS = ("종합소득세 환급금", "근로장려금 미수령액", "부가가치세 환급금", "연말정산 환급금")
NHIS_REFUNDS = ("건강보험료 과오납 환급금", "본인부담상한액 초과금", "장기요양보험료 환급금")
NPS_REFUNDS = ("연금보험료 과오납 환급금", "반환일시금 미수령액", "사망일시금 미수령액")

# Building kinds: (main use, zoning, shared by several households, floors range, units per floor)
APARTMENT = ("공동주택(아파트)", "제3종일반주거지역", True, (12, 35), 4)
MULTIPLEX = ("공동주택(다세대주택)", "제2종일반주거지역", True, (3, 5), 3)
MULTI_HOUSEHOLD = ("단독주택(다가구주택)", "제2종일반주거지역", True, (3, 4), 2)
DETACHED = ("단독주택", "제1종일반주거지역", False, (1, 3), 1)
SHOP_HOUSE = ("제2종근린생활시설", "준주거지역", False, (2, 5), 1)
BUILDING_KINDS = (APARTMENT,) * 5 + (MULTIPLEX,) * 3 + (MULTI_HOUSEHOLD,) * 2 + (DETACHED,) * 2 + (SHOP_HOUSE,)

ZONING_DISTRICTS = {
    "제3종일반주거지역": ("지구단위계획구역",),
    "제2종일반주거지역": ("가로구역별 최고높이 제한지역",),
    "제1종일반주거지역": ("자연경관지구",),
    "준주거지역": ("지구단위계획구역", "상대보호구역"),
    "자연녹지지역": ("가축사육제한구역",),
    "계획관리지역": ("가축사육제한구역", "성장관리계획구역"),
}
# What the zoning allows, as a land-use plan confirmation states it (the regulation of the zone).
ZONING_RESTRICTIONS = {
    "제3종일반주거지역": ("건폐율 50% 이하", "용적률 250% 이하", "단란주점·유흥주점 건축 불가"),
    "제2종일반주거지역": ("건폐율 60% 이하", "용적률 200% 이하", "단란주점·유흥주점 건축 불가"),
    "제1종일반주거지역": ("건폐율 60% 이하", "용적률 150% 이하", "4층 이하 건축물만 허용"),
    "준주거지역": ("건폐율 60% 이하", "용적률 400% 이하", "위락시설 건축 불가"),
    "자연녹지지역": ("건폐율 20% 이하", "용적률 100% 이하", "4층 이하 건축물만 허용"),
    "계획관리지역": ("건폐율 40% 이하", "용적률 100% 이하", "공장 건축 시 계획관리 허가 필요"),
}
CAPITAL_REGION = ("11", "41", "28")  # 서울, 경기, 인천: 수도권정비계획법 과밀억제권역/성장관리권역

_RRN_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)


def rrn_check_digit(first12: str) -> int:
    """The check digit a valid RRN would have (the pre-2020 rule)."""
    total = sum(int(digit) * weight for digit, weight in zip(first12, _RRN_WEIGHTS, strict=True))
    return (11 - total % 11) % 10


def is_synthetic_rrn(rrn: str) -> bool:
    """True when the RRN's check digit is wrong, as every sandbox RRN's is."""
    digits = rrn.replace("-", "")
    return len(digits) == 13 and digits.isdigit() and int(digits[12]) != rrn_check_digit(digits[:12])


def synthetic_rrn(birth: date, sex: str, serial: int) -> str:
    """An RRN-shaped identifier that cannot be a real one: its check digit is always wrong.

    ``serial`` (0..999,999) fills the six digits after the sex/century digit, which makes
    the number unique for a unique serial whatever the birth date.
    """
    century_digit = ("1" if sex == "M" else "2") if birth.year < 2000 else ("3" if sex == "M" else "4")
    first12 = f"{birth:%y%m%d}{century_digit}{serial:06d}"[:12]
    wrong = (rrn_check_digit(first12) + 1 + serial % 9) % 10
    return f"{first12[:6]}-{first12[6:]}{wrong}"


def parcel_number(dong_code: str, mountain: bool, counter: int) -> str:
    """A 19-digit PNU: legal-dong code (10) + land kind (1: 일반, 2: 산) + main lot (4) + sub lot (4)."""
    main = 1 + (counter * 7919) % 997
    sub = counter // 997
    return f"{dong_code}{2 if mountain else 1}{main:04d}{sub:04d}"


def lot_label(pnu: str) -> str:
    main, sub = int(pnu[11:15]), int(pnu[15:19])
    prefix = "산 " if pnu[10] == "2" else ""
    return f"{prefix}{main}-{sub}" if sub else f"{prefix}{main}"


def building_number(district_code: str, counter: int) -> str:
    return f"{district_code}-{100_000_000 + counter}"


_PLATE_SPACE = 90 * len(PLATE_HANGUL) * 9000


def plate_number(counter: int) -> str:
    """A registration plate like 12가3456, unique for every counter below 28 million."""
    value = (counter * 104_729) % _PLATE_SPACE
    value, digits = divmod(value, 9000)
    prefix, hangul = divmod(value, len(PLATE_HANGUL))
    return f"{10 + prefix}{PLATE_HANGUL[hangul]}{1000 + digits}"


def business_number_for(counter: int) -> str:
    value = (counter * 7_919 + 1_048_576) % 10**10
    text = f"{value:010d}"
    return f"{text[:3]}-{text[3:5]}-{text[5:]}"


def phone_for(serial: int) -> str:
    value = (serial * 48_271 + 13) % (8000 * 10**4)
    return f"010-{2000 + value // 10**4:04d}-{value % 10**4:04d}"


def rrn_serial(resident_index: int) -> int:
    """A bijection of 0..999,999 so that neighbours do not get neighbouring numbers."""
    return (resident_index * 7919 + 123_457) % 1_000_000


@dataclass
class Block:
    number: int
    rows: dict[str, list[tuple]] = field(default_factory=lambda: {name: [] for name in TABLES})

    @property
    def residents(self) -> int:
        return len(self.rows["resident"])


@dataclass
class _Person:
    id: int
    name: str
    birth: date
    sex: str
    relation_to_head: str
    employed: bool = False
    employer: str = ""


@dataclass
class DemoOverride:
    """Fixed facts of a demo person (the first residents of block 0)."""

    name: str
    rrn: str
    phone: str
    sex: str
    birth: date
    district_code: str
    dong_suffix: str
    road: str
    kind: tuple
    unit: str = ""
    spouse: tuple[str, date] | None = None
    children: tuple[tuple[str, str, date], ...] = ()
    owns_building: bool = False
    owns_vehicle: bool = False
    refunds: tuple[tuple[str, str, int, date], ...] = ()
    employer: str = ""
    income: int = 0
    business: tuple[str, str, date] | None = None
    military: tuple[str, str, date, date, str] | None = None
    move_in: date = date(2019, 3, 2)


class _BlockGenerator:
    def __init__(self, seed: int, number: int, demo: tuple[DemoOverride, ...] = ()):
        self.seed = seed
        self.number = number
        self.rng = random.Random(f"sandbox-registers:{seed}:{number}")  # noqa: S311 (reproducible test data)
        self.block = Block(number)
        self.rows = self.block.rows
        self.counters = dict.fromkeys(TABLES, 0)
        self.open_buildings: dict[str, list[list]] = {}  # district → [[building row id, kind, free units, floors]]
        self.buildings: list[tuple[int, str]] = []  # (id, unit of a random household) for address history
        self.demo = demo
        self.reserved_rrns = {override.rrn for override in demo}
        self.residents_total = 0
        self.heads: list[_Person] = []
        self.building_owners: set[int] = set()
        self.approvals: dict[int, date] = {}  # building id → use approval date

    # -- identifiers --------------------------------------------------------------------
    def next_id(self, table: str) -> int:
        self.counters[table] += 1
        return self.number * ID_STRIDE + self.counters[table]

    def global_counter(self, table: str) -> int:
        """A counter unique across blocks (for PNU, plates, ...): at most 1,000 per block."""
        if self.counters[table] >= 1000:  # a block of 500 residents makes a few hundred at most
            raise RuntimeError(f"Block {self.number} has more than 999 rows of {table}: identifiers would repeat.")
        return self.number * 1000 + self.counters[table]

    def day(self, start: date, end: date) -> date:
        span = end.toordinal() - start.toordinal()
        return date.fromordinal(start.toordinal() + int(self.rng.random() * max(span, 1)))

    def name(self, sex: str, surname: str | None = None) -> str:
        r = self.rng.random
        given = GIVEN_M if sex == "M" else GIVEN_F
        return (surname or SURNAMES[int(r() * len(SURNAMES))]) + given[int(r() * len(given))]

    def pick_district(self) -> District:
        r = self.rng.random() * _TOTAL_WEIGHT
        for weight_end, item in _CUMULATIVE:
            if r < weight_end:
                return item
        return DISTRICTS[-1]

    # -- land and buildings -------------------------------------------------------------
    def new_parcel(
        self,
        dist: District,
        *,
        zoning: str,
        category: str = "대",
        area: int | None = None,
        owner: _Person | None = None,
        dong_suffix: str | None = None,
        owner_name: str = "",
    ) -> int:
        r = self.rng.random
        parcel_id = self.next_id("parcel")
        if dong_suffix is None:
            dong_suffix, dong_name = dist.dongs[int(r() * len(dist.dongs))]
        else:
            dong_name = dict(dist.dongs)[dong_suffix]
        mountain = category == "임야"
        pnu = parcel_number(dist.dong_code(dong_suffix), mountain, self.global_counter("parcel"))
        area = area or int(90 + r() * 900)
        base_price = 2_500_000 if dist.code.startswith("11") else 900_000
        if category != "대":
            base_price //= 12
        price = int(base_price * (0.5 + r() * 2.5)) // 1000 * 1000
        zone_districts = list(ZONING_DISTRICTS.get(zoning, ()))
        if dist.code[:2] in CAPITAL_REGION:
            zone_districts.append("과밀억제권역(수도권정비계획법)")
        self.rows["parcel"].append(
            (
                parcel_id,
                pnu,
                dist.code,
                f"{dist.sido} {dist.sigungu} {dong_name} {lot_label(pnu)}",
                category,
                area,
                price,
                zoning,
                zone_districts,
                owner.id if owner else None,
                owner.name if owner else owner_name,
                "1/1" if owner else "구분소유",
            )
        )
        if r() < 0.3:
            self.rows["mortgage"].append(
                (
                    self.next_id("mortgage"),
                    parcel_id,
                    BANKS[int(r() * len(BANKS))],
                    int(50 + r() * 950) * 1_000_000,
                    self.day(date(2005, 1, 1), REFERENCE_DATE),
                )
            )
        return parcel_id

    def new_building(
        self,
        dist: District,
        kind: tuple,
        *,
        owner: _Person | None,
        dong_suffix: str | None = None,
        road: str | None = None,
        approved_before: date = date(2024, 12, 31),
    ) -> list:
        r = self.rng.random
        main_use, zoning, shared, (low, high), per_floor = kind
        floors = low + int(r() * (high - low + 1))
        area = int(floors * per_floor * (85 + r() * 40)) if kind is APARTMENT else int(floors * (80 + r() * 200))
        parcel_id = self.new_parcel(
            dist,
            zoning=zoning,
            area=max(area * 2 // floors, 90),
            owner=owner,
            dong_suffix=dong_suffix,
            owner_name="" if owner else "구분소유자 공유",
        )
        building_id = self.next_id("building")
        counter = self.global_counter("building")
        road = road or dist.roads[int(r() * len(dist.roads))]
        approval = self.day(date(1975, 1, 1), approved_before)
        self.approvals[building_id] = approval
        self.rows["building"].append(
            (
                building_id,
                building_number(dist.code, counter),
                parcel_id,
                f"{dist.sido} {dist.sigungu} {road} {1 + (counter * 37) % 297}",
                main_use,
                floors,
                1 if floors > 2 else int(r() * 2),
                area,
                approval,
                r() < 0.04,
                owner.id if owner else None,
                owner.name if owner else "구분소유 (공동주택)",
            )
        )
        if owner is not None:
            self.building_owners.add(owner.id)
        entry = [building_id, kind, floors * per_floor if shared else 1, floors]
        if shared:
            self.open_buildings.setdefault(dist.code, []).append(entry)
        return entry

    def unit_for(self, entry: list) -> str:
        building_id, kind, free, floors = entry
        if not kind[2]:
            return ""
        per_floor = kind[4]
        taken = floors * per_floor - free
        entry[2] -= 1
        floor, index = divmod(taken, per_floor)
        return f"{floor + 1}{index + 1:02d}호"

    # -- people -------------------------------------------------------------------------
    def new_resident_row(
        self, person: _Person, household_id: int, move_in: date, rrn: str | None = None, phone: str | None = None
    ) -> None:
        index = self.number * BLOCK_SIZE + self.residents_total
        self.residents_total += 1
        if rrn is None:
            rrn = synthetic_rrn(person.birth, person.sex, rrn_serial(index))
            while rrn in self.reserved_rrns:  # never the demo people's numbers
                rrn = synthetic_rrn(person.birth + timedelta(days=1), person.sex, rrn_serial(index))
        age = (REFERENCE_DATE - person.birth).days // 365
        if phone is None:
            phone = phone_for(index) if age >= 14 else ""
        self.rows["resident"].append(
            (
                person.id,
                rrn,
                person.name,
                person.birth,
                person.sex,
                phone,
                household_id,
                person.relation_to_head,
                max(move_in, person.birth),
                True,
            )
        )

    def family(self, a: _Person, b: _Person, relation_of_b_to_a: str) -> None:
        self.rows["familyrelation"].append((self.next_id("familyrelation"), a.id, b.id, relation_of_b_to_a))

    def generate(self) -> Block:
        # The demo people are residents #1, #2, ... of block 0; their families come after them.
        heads = [_Person(self.next_id("resident"), demo.name, demo.birth, demo.sex, "본인") for demo in self.demo]
        for demo, head in zip(self.demo, heads, strict=True):
            self.demo_household(demo, head)
        while self.residents_total < BLOCK_SIZE:
            self.random_household(BLOCK_SIZE - self.residents_total)
        self.address_histories()
        return self.block

    def household_place(self, dist: District, head: _Person, kind: tuple | None = None) -> tuple[int, str]:
        """A building (new, or one with a free unit) in the district for a new household."""
        r = self.rng.random
        open_list = self.open_buildings.get(dist.code)
        if kind is None and open_list and r() < 0.7:
            entry = open_list[int(r() * len(open_list))]
        else:
            kind = kind or BUILDING_KINDS[int(r() * len(BUILDING_KINDS))]
            if kind is APARTMENT or kind is MULTIPLEX:
                owner = None  # owned unit by unit (집합건물)
            elif kind is MULTI_HOUSEHOLD or r() < 0.8 or not self.heads:
                owner = head  # the landlord lives in the house
            else:
                owner = self.heads[int(r() * len(self.heads))]
            entry = self.new_building(dist, kind, owner=owner)
        unit = self.unit_for(entry)
        if entry[2] <= 0 and open_list and entry in open_list:
            open_list.remove(entry)
        return entry[0], unit

    def random_household(self, room: int) -> None:
        r = self.rng.random
        dist = self.pick_district()
        head_age = 25 + int(r() * 60)
        head_sex = "M" if r() < 0.62 else "F"
        birth = REFERENCE_DATE - timedelta(days=head_age * 365 + int(r() * 365))
        head = _Person(self.next_id("resident"), self.name(head_sex), birth, head_sex, "본인")
        members = [head]
        spouse = None
        if room > 1 and r() < 0.62:
            spouse_sex = "F" if head_sex == "M" else "M"
            spouse_birth = birth + timedelta(days=int((r() - 0.5) * 3650))
            spouse = _Person(self.next_id("resident"), self.name(spouse_sex), spouse_birth, spouse_sex, "배우자")
            members.append(spouse)
        father = head if head_sex == "M" else spouse
        children = []
        if head_age < 70:
            for _ in range(int(r() * 3.2)):
                if len(members) >= room:
                    break
                child_birth = birth + timedelta(days=int((26 + r() * 14) * 365))
                if child_birth >= REFERENCE_DATE:
                    continue
                sex = "M" if r() < 0.51 else "F"
                child = _Person(
                    self.next_id("resident"),
                    self.name(sex, father.name[0] if father else None),
                    child_birth,
                    sex,
                    "자녀",
                )
                children.append(child)
                members.append(child)
        self.place_household(dist, head, spouse, children, members)
        self.heads.append(head)
        if r() < 0.05:  # farmland or forest elsewhere
            category = ("전", "답", "임야")[int(r() * 3)]
            self.new_parcel(
                self.pick_district(),
                zoning="자연녹지지역" if r() < 0.5 else "계획관리지역",
                category=category,
                area=int(300 + r() * 4700),
                owner=head,
            )
        # An elderly couple elsewhere who are the head's parents.
        if head_age < 55 and self.residents_total + 2 <= BLOCK_SIZE and r() < 0.3:
            self.parents_of(head)

    def parents_of(self, child: _Person) -> None:
        r = self.rng.random
        father_birth = child.birth - timedelta(days=int((25 + r() * 10) * 365))
        mother_birth = father_birth + timedelta(days=int(r() * 4 * 365))
        if father_birth.year < 1930:
            return
        father = _Person(self.next_id("resident"), self.name("M", child.name[0]), father_birth, "M", "본인")
        mother = _Person(self.next_id("resident"), self.name("F"), mother_birth, "F", "배우자")
        self.place_household(
            self.pick_district(), father, mother, [], [father, mother], kind=DETACHED if r() < 0.5 else None
        )
        self.heads.append(father)
        for parent, relation in ((father, "father"), (mother, "mother")):
            self.family(child, parent, relation)
            self.family(parent, child, "child")

    def place_household(
        self,
        dist: District,
        head: _Person,
        spouse: _Person | None,
        children: list[_Person],
        members: list[_Person],
        kind: tuple | None = None,
        *,
        place: tuple[int, str] | None = None,
        move_in: date | None = None,
        demo: DemoOverride | None = None,
    ) -> int:
        building_id, unit = place or self.household_place(dist, head, kind)
        household_id = self.next_id("household")
        self.rows["household"].append((household_id, building_id, unit, head.id))
        self.buildings.append((building_id, unit))
        adult_at = head.birth + timedelta(days=20 * 365)
        if move_in is None:
            move_in = self.day(max(adult_at, date(1995, 1, 1)), REFERENCE_DATE - timedelta(days=20))
            # Nobody moves into a building before its use is approved.
            move_in = max(move_in, self.approvals[building_id] + timedelta(days=30))
        for person in members:
            if person is head and demo is not None:
                self.new_resident_row(person, household_id, move_in, rrn=demo.rrn, phone=demo.phone)
            else:
                self.new_resident_row(person, household_id, move_in)
        if spouse:
            self.family(head, spouse, "spouse")
            self.family(spouse, head, "spouse")
        for child in children:
            for parent in (head, spouse):
                if parent is None:
                    continue
                self.family(child, parent, "father" if parent.sex == "M" else "mother")
                self.family(parent, child, "child")
        for person in members:
            self.person_records(person, head, building_id, demo=demo if person is head else None)
        return household_id

    def person_records(self, person: _Person, head: _Person, building_id: int, demo: DemoOverride | None) -> None:
        r = self.rng.random
        age = (REFERENCE_DATE - person.birth).days // 365
        rows = self.rows
        adult = age >= 19
        # Employment and income.
        if demo is not None:
            person.employed = bool(demo.employer)
            person.employer = demo.employer
        elif adult and age < 63 and r() < 0.68:
            person.employed = True
            person.employer = EMPLOYERS[int(r() * len(EMPLOYERS))]
        business = demo.business if demo is not None else None
        if demo is None and adult and 28 <= age <= 68 and r() < 0.06:
            suffix, kind = TRADE_SUFFIXES[int(r() * len(TRADE_SUFFIXES))]
            business = (
                person.name[1:] + " " + suffix,
                kind,
                self.day(person.birth + timedelta(days=25 * 365), REFERENCE_DATE),
            )
        if business:
            status = "계속사업자" if demo is not None or r() < 0.9 else ("휴업자" if r() < 0.4 else "폐업자")
            rows["business"].append(
                (
                    self.next_id("business"),
                    person.id,
                    business_number_for(self.global_counter("business")),
                    business[0],
                    business[1],
                    business[2],
                    status,
                )
            )
        if person.employed or business or (adult and age >= 65):
            if demo is not None and demo.income:
                income, kinds = demo.income, ["근로소득"]
            elif age >= 65 and not person.employed:
                income, kinds = int(8 + r() * 20) * 1_000_000, ["연금소득"]
            else:
                income = int(25 + r() * 90) * 1_000_000
                kinds = (["사업소득"] if business else ["근로소득"]) + (["이자소득"] if r() < 0.2 else [])
            rows["incomerecord"].append((self.next_id("incomerecord"), person.id, 2025, income, kinds))
            if person.employed or business:
                tax = income * 6 // 100 // 1000 * 1000
                paid = tax if r() > 0.03 else int(tax * r()) // 1000 * 1000
                rows["taxrecord"].append(
                    (self.next_id("taxrecord"), person.id, "national", "종합소득세", 2025, tax, paid, date(2026, 5, 31))
                )
        # Local taxes: resident tax for heads; property and vehicle taxes come with ownership below.
        if person is head and adult:
            paid = 10_000 if r() > 0.04 else 0
            rows["taxrecord"].append(
                (self.next_id("taxrecord"), person.id, "local", "주민세(개인분)", 2025, 10_000, paid, date(2025, 8, 31))
            )
        if person.id in self.building_owners:
            assessed = int(150 + r() * 2500) * 1000
            paid = assessed if (demo is not None or r() > 0.05) else 0
            rows["taxrecord"].append(
                (self.next_id("taxrecord"), person.id, "local", "재산세", 2025, assessed, paid, date(2025, 9, 30))
            )
        # Vehicles.
        owns_vehicle = demo.owns_vehicle if demo is not None else adult and (r() < (0.5 if person is head else 0.15))
        if owns_vehicle:
            vehicle_id = self.next_id("vehicle")
            model_year = 2008 + int(r() * 19)
            rows["vehicle"].append(
                (
                    vehicle_id,
                    plate_number(self.global_counter("vehicle")),
                    VEHICLE_MODELS[int(r() * len(VEHICLE_MODELS))],
                    model_year,
                    person.id,
                    building_id,
                    self.day(date(model_year, 1, 1), min(date(model_year + 1, 12, 31), REFERENCE_DATE)),
                )
            )
            assessed = int(100 + r() * 600) * 1000
            paid = assessed if (demo is not None or r() > 0.05) else 0
            rows["taxrecord"].append(
                (self.next_id("taxrecord"), person.id, "local", "자동차세", 2025, assessed, paid, date(2025, 12, 31))
            )
        # Refunds waiting to be claimed.
        if demo is not None:
            for agency, description, amount, occurred in demo.refunds:
                self.refund(person, agency, description, amount, occurred)
        elif adult:
            for agency, chance, refund_kinds in (
                ("mois", 0.06, LOCAL_REFUNDS),
                ("nts", 0.05, NATIONAL_REFUNDS),
                ("nhis", 0.07, NHIS_REFUNDS),
                ("nps", 0.03, NPS_REFUNDS),
            ):
                if r() < chance:
                    self.refund(
                        person,
                        agency,
                        refund_kinds[int(r() * len(refund_kinds))],
                        int(1 + r() * 400) * 1000 + 270,
                        self.day(date(2023, 7, 1), REFERENCE_DATE - timedelta(days=30)),
                    )
        # Health insurance: employees, the self-employed and dependents.
        if person.employed:
            insured, employer = "직장가입자", person.employer
            since = self.day(max(person.birth + timedelta(days=22 * 365), date(2000, 1, 1)), REFERENCE_DATE)
        elif person is head or business:
            insured, employer, since = "지역가입자", "", max(person.birth + timedelta(days=20 * 365), date(1989, 7, 1))
        else:
            insured, employer, since = "피부양자", "", max(person.birth, date(1989, 7, 1))
        lost = None
        if demo is None and insured == "직장가입자" and r() < 0.03:
            lost = self.day(since, REFERENCE_DATE)
        rows["healthinsurance"].append(
            (self.next_id("healthinsurance"), person.id, insured, min(since, REFERENCE_DATE), lost, employer)
        )
        # Military service record (men of 19 and over).
        if person.sex == "M" and age >= 19:
            if demo is not None and demo.military:
                status, branch, enlisted, discharged, kind = demo.military
            else:
                status, branch, enlisted, discharged, kind = self.military(person.birth, age)
            rows["militaryrecord"].append(
                (self.next_id("militaryrecord"), person.id, status, branch, enlisted, discharged, kind)
            )

    def military(self, birth: date, age: int) -> tuple:
        r = self.rng.random
        draw = r()
        if age < 20 or (age < 23 and draw < 0.35):
            return "병역판정검사 완료(현역 입영 대상)", "", None, None, ""
        if draw < 0.08:
            return "전시근로역(면제)", "", None, None, ""
        if draw < 0.17:
            enlisted = birth + timedelta(days=int((20 + r() * 3) * 365))
            return "보충역(사회복무요원) 소집해제", "", enlisted, enlisted + timedelta(days=640), "소집해제"
        branch_draw = r()
        branch, months = (
            ("육군", 18)
            if branch_draw < 0.7
            else (("공군", 21) if branch_draw < 0.85 else (("해군", 20) if branch_draw < 0.95 else ("해병대", 18)))
        )
        if age > 50:
            months += 8
        enlisted = birth + timedelta(days=int((20 + r() * 3) * 365))
        discharged = enlisted + timedelta(days=months * 30)
        if discharged > REFERENCE_DATE:
            return "현역 복무 중", branch, enlisted, None, ""
        return "병역필(현역)", branch, enlisted, discharged, "만기전역"

    def refund(self, person: _Person, agency: str, description: str, amount: int, occurred: date) -> None:
        years = 3 if agency == "nhis" else 5
        deadline = date(occurred.year + years, occurred.month, min(occurred.day, 28))
        self.rows["refund"].append((self.next_id("refund"), person.id, agency, description, amount, occurred, deadline))

    def demo_household(self, demo: DemoOverride, head: _Person) -> None:
        dist = district(demo.district_code)
        entry = self.new_building(
            dist,
            demo.kind,
            owner=head if demo.owns_building else None,
            dong_suffix=demo.dong_suffix,
            road=demo.road,
            approved_before=demo.move_in - timedelta(days=365),
        )
        unit = ""
        if demo.kind[2]:
            unit = demo.unit or self.unit_for(entry)
            if demo.unit:
                entry[2] -= 1
        members = [head]
        spouse = None
        if demo.spouse:
            spouse_sex = "F" if demo.sex == "M" else "M"
            spouse = _Person(self.next_id("resident"), demo.spouse[0], demo.spouse[1], spouse_sex, "배우자")
            members.append(spouse)
        children = []
        for child_name, sex, birth in demo.children:
            child = _Person(self.next_id("resident"), child_name, birth, sex, "자녀")
            children.append(child)
            members.append(child)
        self.place_household(
            dist, head, spouse, children, members, place=(entry[0], unit), move_in=demo.move_in, demo=demo
        )
        self.heads.append(head)

    def address_histories(self) -> None:
        """Earlier addresses of every resident, at buildings of this block, ending at the current one."""
        r = self.rng.random
        rows = self.rows
        households = {row[0]: row for row in rows["household"]}
        buildings = self.buildings
        for resident in rows["resident"]:
            resident_id, birth, move_in = resident[0], resident[3], resident[8]
            household = households[resident[6]]
            earlier = []
            start = birth
            moves = int(r() * 3)
            cursor = move_in
            for _ in range(moves):
                span = (cursor - start).days
                if span < 400:
                    break
                moved_in = cursor - timedelta(days=int(200 + r() * min(span - 200, 3650)))
                building_id, unit = buildings[int(r() * len(buildings))]
                if self.approvals[building_id] > moved_in:  # not built yet then: the history starts here
                    break
                earlier.append((building_id, unit, moved_in, cursor))
                cursor = moved_in
            for building_id, unit, moved_in, moved_out in reversed(earlier):
                rows["addresshistory"].append(
                    (self.next_id("addresshistory"), resident_id, building_id, unit, moved_in, moved_out)
                )
            rows["addresshistory"].append(
                (self.next_id("addresshistory"), resident_id, household[1], household[2], move_in, None)
            )


_TOTAL_WEIGHT = sum(d.weight for d in DISTRICTS)
_CUMULATIVE = []
_running = 0
for _district in DISTRICTS:
    _running += _district.weight
    _CUMULATIVE.append((_running, _district))
del _running, _district


def generate_block(seed: int, number: int, demo: tuple[DemoOverride, ...] = ()) -> Block:
    """The rows of block ``number`` for ``seed`` (block 0 starts with the demo households)."""
    if not 0 <= number < MAX_BLOCKS:
        raise ValueError(f"Block {number} is outside 0..{MAX_BLOCKS - 1} (at most 1,000,000 residents).")
    return _BlockGenerator(seed, number, demo if number == 0 else ()).generate()
