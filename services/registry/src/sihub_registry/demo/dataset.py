"""The demo dataset: create-payloads the registry's HTTP API accepts, as plain dicts.

Two kinds of record:
- real organisations and ties named by the seed texts (Toyota Foundation, Keio University, the
  Korea Social Enterprise Promotion Agency, the Ministry of Employment and Labor, the seven
  Social Campus On centres and the five Social Economy Innovation Towns), with
  `illustrative: false` and only facts the seeds state or that are well established (no
  figures, no identifiers, websites only where certain);
- a few hundred invented actors, hub programmes, memberships, projects, case studies and
  partnerships across the five countries, every one with `illustrative: true`. Invented records
  that touch a real organisation (a cohort at a Social Campus On centre) are invented too, and
  say so.

Deterministic: the same seed gives the same dataset, so demo reports can be rebuilt.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sihub_registry.taxonomy.terms import ISSUE_AREAS, ActorKind, Capability, IssueArea

SEED = 20260101
# An identifier scheme that no registry uses, so an invented number never names a real company.
DEMO_IDENTIFIER_SCHEME = "ZZ-SIHUBDEMO"

Payload = dict[str, Any]


def _text(**by_lang: str) -> list[dict[str, str]]:
    return [{"value": value, "lang": lang.replace("_", "-")} for lang, value in by_lang.items()]


# --- real organisations named by the seeds --------------------------------------------------

_SEED_HUB_NEEDS = [
    {"capability": "funding", "detail": "Stable and sustainable funding"},
    {"capability": "data", "detail": "Data systems reflecting local social issues"},
    {
        "capability": "policy_support",
        "detail": "Strong public–private governance and collaboration",
    },
]

# (ref suffix, English region name, Korean region name, ISO 3166-2)
_SOCIAL_CAMPUS_ON = (
    ("seoul", "Seoul", "서울", "KR-11"),
    ("busan", "Busan", "부산", "KR-26"),
    ("gangwon", "Gangwon", "강원", "KR-42"),
    ("incheon", "Incheon", "인천", "KR-28"),
    ("chungnam", "Chungnam", "충남", "KR-44"),
    ("gyeongnam", "Gyeongnam", "경남", "KR-48"),
    ("daegu", "Daegu", "대구", "KR-27"),
)
_INNOVATION_TOWNS = (
    ("jeonbuk", "Jeonbuk", "전북", "KR-45"),
    ("gyeongnam", "Gyeongnam", "경남", "KR-48"),
    ("daejeon", "Daejeon", "대전", "KR-30"),
    ("daegu", "Daegu", "대구", "KR-27"),
    ("chungnam", "Chungnam", "충남", "KR-44"),
)


def _real_actor(
    ref: str,
    names: list[dict[str, str]],
    descriptions: list[dict[str, str]],
    kind: ActorKind,
    country: str,
    region: str,
    *,
    locality: str | None = None,
    founded_year: int | None = None,
    website: str | None = None,
    issue_areas: Sequence[IssueArea] = (),
    offers: Sequence[Capability | tuple[Capability, str]] = (),
    needs: list[dict[str, str]] | None = None,
) -> Payload:
    return {
        "ref": ref,
        "names": names,
        "descriptions": descriptions,
        "kind": kind.value,
        "country": country,
        "region": region,
        "locality": locality,
        "founded_year": founded_year,
        "website": website,
        "issue_areas": [area.value for area in issue_areas],
        "offers": [
            {"capability": o[0].value, "detail": o[1]}
            if isinstance(o, tuple)
            else {"capability": o.value, "detail": None}
            for o in offers
        ],
        "needs": needs or [],
        "certifications": [],
        "identifiers": [],
        "illustrative": False,
    }


def _real_actors() -> list[Payload]:
    actors = [
        _real_actor(
            "toyota-foundation",
            _text(en="The Toyota Foundation", ja="公益財団法人トヨタ財団"),
            _text(
                en="Grant-making foundation that works on building platforms for the non-profit "
                "sector in Asia; it funded the research project on social innovation "
                "ecosystems in Asia.",
                ja="アジアの非営利セクターの基盤づくりに取り組む助成財団。",
            ),
            ActorKind.FOUNDATION,
            "JP",
            "JP-13",
            locality="Shinjuku",
            founded_year=1974,
            website="https://www.toyotafound.or.jp/",
            offers=[
                (Capability.FUNDING, "Research and programme grants"),
                (Capability.NETWORKS, "Platforms for the non-profit sector in Asia"),
            ],
        ),
        _real_actor(
            "keio-university",
            _text(en="Keio University", ja="慶應義塾大学"),
            _text(
                en="University in Tokyo whose Graduate School of Media and Governance is the "
                "contact for the research project on social innovation ecosystems in Asia.",
                ja="東京の大学。",
            ),
            ActorKind.UNIVERSITY_RESEARCH,
            "JP",
            "JP-13",
            locality="Minato",
            founded_year=1858,
            website="https://www.keio.ac.jp/",
            offers=[(Capability.RESEARCH, "Research on social innovation ecosystems in Asia")],
        ),
        _real_actor(
            "kosea",
            _text(
                en="Korea Social Enterprise Promotion Agency",
                ko="한국사회적기업진흥원",
            )
            + [{"value": "KoSEA", "lang": "en"}],
            _text(
                en="Public agency that operates the Social Campus On network of innovation "
                "centres jointly with the Ministry of Employment and Labor.",
                ko="고용노동부와 함께 소셜캠퍼스 온을 운영하는 공공기관.",
            ),
            ActorKind.GOVERNMENT_AGENCY,
            "KR",
            "KR-41",
            locality="Seongnam",
            founded_year=2010,
            website="https://www.socialenterprise.or.kr/",
            issue_areas=[IssueArea.LOCAL_ECONOMY_REGENERATION, IssueArea.EMPLOYMENT],
            offers=[
                Capability.BUSINESS_MODEL_SUPPORT,
                Capability.INVESTMENT_READINESS,
                Capability.MENTORING,
                Capability.SPACE,
            ],
        ),
        _real_actor(
            "moel",
            _text(en="Ministry of Employment and Labor", ko="고용노동부"),
            _text(
                en="Central government ministry; jointly operates the Social Campus On network "
                "with the Korea Social Enterprise Promotion Agency.",
                ko="한국사회적기업진흥원과 함께 소셜캠퍼스 온을 운영하는 중앙행정기관.",
            ),
            ActorKind.GOVERNMENT_AGENCY,
            "KR",
            "KR-50",
            locality="Sejong",
            website="https://www.moel.go.kr/",
            issue_areas=[IssueArea.EMPLOYMENT],
            offers=[Capability.POLICY_SUPPORT, Capability.FUNDING],
        ),
    ]
    for suffix, region_en, region_ko, region in _SOCIAL_CAMPUS_ON:
        actors.append(
            _real_actor(
                f"social-campus-on-{suffix}",
                _text(en=f"Social Campus On {region_en}", ko=f"소셜캠퍼스 온 {region_ko}"),
                _text(
                    en=f"Social Campus On centre in {region_en}: an incubation hub for social "
                    "ventures and social enterprises, jointly operated by the Ministry of "
                    "Employment and Labor and the Korea Social Enterprise Promotion Agency.",
                    ko=f"고용노동부와 한국사회적기업진흥원이 함께 운영하는 {region_ko} 지역의 "
                    "사회혁신·창업 보육 거점.",
                ),
                ActorKind.HUB_INTERMEDIARY,
                "KR",
                region,
                issue_areas=[IssueArea.LOCAL_ECONOMY_REGENERATION],
                offers=[
                    Capability.SPACE,
                    (Capability.BUSINESS_MODEL_SUPPORT, "Develop business models"),
                    (Capability.INVESTMENT_READINESS, "Investment readiness support"),
                    (Capability.MENTORING, "Mentoring support"),
                ],
                needs=_SEED_HUB_NEEDS,
            )
        )
    for suffix, region_en, region_ko, region in _INNOVATION_TOWNS:
        actors.append(
            _real_actor(
                f"innovation-town-{suffix}",
                _text(
                    en=f"{region_en} Social Economy Innovation Town",
                    ko=f"{region_ko} 사회적경제 혁신타운",
                ),
                _text(
                    en=f"Social Economy Innovation Town in {region_en}: a regional centre for "
                    "social and technological innovation that connects local industries, "
                    "supports community employment and revitalises the local economy.",
                    ko=f"지역 산업을 연결하고 지역 일자리와 지역경제 활성화를 지원하는 "
                    f"{region_ko}의 사회적경제 혁신 거점.",
                ),
                ActorKind.HUB_INTERMEDIARY,
                "KR",
                region,
                issue_areas=[IssueArea.EMPLOYMENT, IssueArea.LOCAL_ECONOMY_REGENERATION],
                offers=[Capability.SPACE, Capability.NETWORKS],
                needs=_SEED_HUB_NEEDS,
            )
        )
    return actors


def _real_partnerships() -> list[Payload]:
    def tie(refs: list[str], type_: str, status: str) -> Payload:
        return {
            "actor_refs": refs,
            "type": type_,
            "status": status,
            "origin": "manual",
            "starts_on": None,  # the seeds give no start dates
            "illustrative": False,
        }

    # The seed describes a research grant for the 2016–2017 project, hence ended.
    ties = [tie(["toyota-foundation", "keio-university"], "funding", "ended")]
    ties += [
        tie(["moel", "kosea", f"social-campus-on-{suffix}"], "co_delivery", "active")
        for suffix, *_ in _SOCIAL_CAMPUS_ON
    ]
    return ties


def _real_case_studies() -> list[Payload]:
    return [
        {
            "title": _text(en="Research on social innovation ecosystem in Asia"),
            "summary": _text(
                en="A research project funded by the Toyota Foundation with five researchers "
                "in China, Japan, Singapore, South Korea and Thailand. It maps each country's "
                "social innovation ecosystem and the opportunities for cross-sector and "
                "regional collaboration, and produces country reports and a cross-country "
                "project report with policy recommendations."
            ),
            "country": "JP",
            "region": "JP-13",
            "issue_areas": ["income_disparity", "environment_climate", "education"],
            "actor_refs": ["toyota-foundation", "keio-university"],
            "year": 2017,
            "source_url": None,
            "illustrative": False,
        },
        {
            "title": _text(
                en="The role of regional social innovation hubs in Korea",
                ko="한국 지역 사회혁신 허브의 역할",
            ),
            "summary": _text(
                en="Social Campus On centres, jointly operated by the Ministry of Employment "
                "and Labor and the Korea Social Enterprise Promotion Agency, and the Social "
                "Economy Innovation Towns incubate social ventures and connect local actors. "
                "To take deeper root they need stable funding, data systems reflecting local "
                "social issues, and strong public–private governance and collaboration."
            ),
            "country": "KR",
            "region": None,
            "issue_areas": ["local_economy_regeneration", "employment"],
            "actor_refs": ["moel", "kosea"]
            + [f"social-campus-on-{suffix}" for suffix, *_ in _SOCIAL_CAMPUS_ON]
            + [f"innovation-town-{suffix}" for suffix, *_ in _INNOVATION_TOWNS],
            "year": None,
            "source_url": None,
            "illustrative": False,
        },
    ]


# --- vocabulary for invented records --------------------------------------------------------


@dataclass(frozen=True)
class _Region:
    code: str
    en: str
    local: str
    localities: tuple[str, ...]


@dataclass(frozen=True)
class _Country:
    code: str
    lang: str  # BCP 47 tag of the local-script names
    size: int  # how many invented actors
    company_suffix: str  # English legal form of a company
    regions: tuple[_Region, ...]
    brands: tuple[tuple[str, str], ...]  # (romanised, local script)


def _regions(*rows: tuple[str, str, str, str]) -> tuple[_Region, ...]:
    return tuple(
        _Region(code, en, local, tuple(filter(None, localities.split(", "))))
        for code, en, local, localities in rows
    )


_COUNTRIES = (
    _Country(
        "KR", "ko", 95, "Co., Ltd.",
        _regions(
            ("KR-11", "Seoul", "서울", "Mapo-gu, Seongdong-gu, Eunpyeong-gu, Gwanak-gu"),
            ("KR-26", "Busan", "부산", "Haeundae-gu, Busanjin-gu, Yeongdo-gu"),
            ("KR-27", "Daegu", "대구", "Jung-gu, Dalseo-gu"),
            ("KR-28", "Incheon", "인천", "Michuhol-gu, Bupyeong-gu"),
            ("KR-29", "Gwangju", "광주", "Dong-gu, Buk-gu"),
            ("KR-30", "Daejeon", "대전", "Yuseong-gu, Jung-gu"),
            ("KR-31", "Ulsan", "울산", "Nam-gu"),
            ("KR-41", "Gyeonggi", "경기", "Suwon, Seongnam, Goyang"),
            ("KR-42", "Gangwon", "강원", "Chuncheon, Wonju, Gangneung"),
            ("KR-43", "Chungbuk", "충북", "Cheongju, Chungju"),
            ("KR-44", "Chungnam", "충남", "Cheonan, Hongseong, Gongju"),
            ("KR-45", "Jeonbuk", "전북", "Jeonju, Wanju, Iksan"),
            ("KR-46", "Jeonnam", "전남", "Suncheon, Mokpo, Yeosu"),
            ("KR-47", "Gyeongbuk", "경북", "Pohang, Andong, Gyeongju"),
            ("KR-48", "Gyeongnam", "경남", "Changwon, Jinju, Gimhae"),
            ("KR-49", "Jeju", "제주", "Jeju, Seogwipo"),
            ("KR-50", "Sejong", "세종", "Sejong"),
        ),
        (
            ("Haetsal", "햇살"), ("Nanum", "나눔"), ("Ongi", "온기"), ("Saebom", "새봄"),
            ("Baram", "바람"), ("Hanbit", "한빛"), ("Dasom", "다솜"), ("Dure", "두레"),
            ("Eoullim", "어울림"), ("Didimdol", "디딤돌"), ("Chorok", "초록"), ("Sodam", "소담"),
            ("Neulpum", "늘품"), ("Majung", "마중"), ("Dalbit", "달빛"), ("Nuri", "누리"),
            ("Maeum", "마음"), ("Haneul", "하늘"), ("Hamkke", "함께"), ("Solbit", "솔빛"),
        ),
    ),
    _Country(
        "JP", "ja", 65, "Co., Ltd.",
        _regions(
            ("JP-01", "Hokkaido", "北海道", "Sapporo, Asahikawa"),
            ("JP-04", "Miyagi", "宮城", "Sendai, Ishinomaki"),
            ("JP-07", "Fukushima", "福島", "Fukushima, Koriyama, Iwaki"),
            ("JP-13", "Tokyo", "東京", "Shibuya, Setagaya, Sumida, Hachioji"),
            ("JP-14", "Kanagawa", "神奈川", "Yokohama, Kawasaki, Kamakura"),
            ("JP-15", "Niigata", "新潟", "Niigata"),
            ("JP-20", "Nagano", "長野", "Nagano, Matsumoto"),
            ("JP-23", "Aichi", "愛知", "Nagoya, Okazaki"),
            ("JP-26", "Kyoto", "京都", "Kyoto"),
            ("JP-27", "Osaka", "大阪", "Osaka, Sakai"),
            ("JP-28", "Hyogo", "兵庫", "Kobe, Himeji"),
            ("JP-34", "Hiroshima", "広島", "Hiroshima, Onomichi"),
            ("JP-38", "Ehime", "愛媛", "Matsuyama"),
            ("JP-40", "Fukuoka", "福岡", "Fukuoka, Kitakyushu"),
            ("JP-43", "Kumamoto", "熊本", "Kumamoto"),
            ("JP-47", "Okinawa", "沖縄", "Naha"),
        ),
        (
            ("Mirai", "みらい"), ("Tsunagu", "つなぐ"), ("Hikari", "ひかり"), ("Sakura", "さくら"),
            ("Midori", "みどり"), ("Aozora", "あおぞら"), ("Kizuna", "きずな"),
            ("Hidamari", "ひだまり"), ("Egao", "えがお"), ("Hotaru", "ほたる"),
            ("Komorebi", "こもれび"), ("Minori", "みのり"), ("Nagomi", "なごみ"),
            ("Tomoni", "ともに"), ("Fureai", "ふれあい"), ("Hoshizora", "ほしぞら"),
        ),
    ),
    _Country(
        "CN", "zh-Hans", 55, "Co., Ltd.",
        _regions(
            ("CN-BJ", "Beijing", "北京", "Beijing"),
            ("CN-SH", "Shanghai", "上海", "Shanghai"),
            ("CN-GD", "Guangdong", "广东", "Guangzhou, Shenzhen"),
            ("CN-ZJ", "Zhejiang", "浙江", "Hangzhou, Ningbo"),
            ("CN-JS", "Jiangsu", "江苏", "Nanjing, Suzhou"),
            ("CN-SC", "Sichuan", "四川", "Chengdu"),
            ("CN-YN", "Yunnan", "云南", "Kunming, Dali"),
            ("CN-GZ", "Guizhou", "贵州", "Guiyang"),
            ("CN-HB", "Hubei", "湖北", "Wuhan"),
            ("CN-HN", "Hunan", "湖南", "Changsha"),
            ("CN-SD", "Shandong", "山东", "Jinan, Qingdao"),
            ("CN-FJ", "Fujian", "福建", "Fuzhou, Xiamen"),
            ("CN-CQ", "Chongqing", "重庆", "Chongqing"),
            ("CN-SN", "Shaanxi", "陕西", "Xi'an"),
            ("CN-GS", "Gansu", "甘肃", "Lanzhou"),
        ),
        (
            ("Tongxin", "同心"), ("Huimin", "惠民"), ("Chenguang", "晨光"),
            ("Xiangyang", "向阳"), ("Qingshan", "青山"), ("Shanshui", "山水"),
            ("Xinghuo", "星火"), ("Tianyi", "天益"), ("Lehe", "乐和"), ("Renai", "仁爱"),
            ("Anxin", "安心"), ("Qiming", "启明"), ("Shuguang", "曙光"), ("Hemei", "和美"),
            ("Jiayuan", "家园"), ("Hetian", "禾田"),
        ),
    ),
    _Country(
        "TH", "th", 50, "Co., Ltd.",
        _regions(
            ("TH-10", "Bangkok", "กรุงเทพมหานคร", "Bangkok"),
            ("TH-12", "Nonthaburi", "นนทบุรี", "Nonthaburi"),
            ("TH-20", "Chon Buri", "ชลบุรี", "Chon Buri"),
            ("TH-30", "Nakhon Ratchasima", "นครราชสีมา", "Nakhon Ratchasima"),
            ("TH-34", "Ubon Ratchathani", "อุบลราชธานี", "Ubon Ratchathani"),
            ("TH-40", "Khon Kaen", "ขอนแก่น", "Khon Kaen"),
            ("TH-41", "Udon Thani", "อุดรธานี", "Udon Thani"),
            ("TH-50", "Chiang Mai", "เชียงใหม่", "Chiang Mai"),
            ("TH-55", "Nan", "น่าน", "Nan"),
            ("TH-57", "Chiang Rai", "เชียงราย", "Chiang Rai"),
            ("TH-63", "Tak", "ตาก", "Mae Sot"),
            ("TH-65", "Phitsanulok", "พิษณุโลก", "Phitsanulok"),
            ("TH-80", "Nakhon Si Thammarat", "นครศรีธรรมราช", "Nakhon Si Thammarat"),
            ("TH-83", "Phuket", "ภูเก็ต", "Phuket"),
            ("TH-90", "Songkhla", "สงขลา", "Hat Yai"),
            ("TH-94", "Pattani", "ปัตตานี", "Pattani"),
        ),
        (
            ("Pansuk", "ปันสุข"), ("Jaidee", "ใจดี"), ("Baan Suan", "บ้านสวน"),
            ("Khondee", "คนดี"), ("Sangsuk", "สร้างสุข"), ("Fahsai", "ฟ้าใส"),
            ("Namjai", "น้ำใจ"), ("Romyen", "ร่มเย็น"), ("Dok Kaew", "ดอกแก้ว"),
            ("Sukjai", "สุขใจ"), ("Sainam", "สายน้ำ"), ("Thung Thong", "ทุ่งทอง"),
            ("Mittraphap", "มิตรภาพ"), ("Rak Baan", "รักบ้าน"), ("Rak Thin", "รักษ์ถิ่น"),
        ),
    ),
    _Country(
        "SG", "zh-Hans", 35, "Pte. Ltd.",
        _regions(
            ("SG-01", "Central Singapore", "中区", ""),
            ("SG-02", "North East", "东北区", ""),
            ("SG-03", "North West", "西北区", ""),
            ("SG-04", "South East", "东南区", ""),
            ("SG-05", "South West", "西南区", ""),
        ),
        (
            ("Banyan", "榕树"), ("Rainbow", "彩虹"), ("Lighthouse", "灯塔"),
            ("Daybreak", "晨曦"), ("Orchid", "兰花"), ("Seedling", "幼苗"), ("Bridge", "桥梁"),
            ("Kampong", "甘榜"), ("Lantern", "灯笼"), ("Harbour", "港湾"), ("Compass", "指南针"),
            ("Evergreen", "长青"),
        ),
    ),
)  # fmt: skip

# Focus word in each actor's name, by its first issue area: (en, ko, ja, zh-Hans, th).
_FOCUS: dict[IssueArea, tuple[str, str, str, str, str]] = {
    IssueArea.INCOME_DISPARITY: ("Fair Share", "상생", "フェアシェア", "共享", "แบ่งปัน"),
    IssueArea.ENVIRONMENT_CLIMATE: ("Green", "그린", "グリーン", "绿色", "สีเขียว"),
    IssueArea.EDUCATION: ("Learning", "배움", "まなび", "教育", "การเรียนรู้"),
    IssueArea.EMPLOYMENT: ("Work", "일터", "しごと", "就业", "อาชีพ"),
    IssueArea.AGEING_CARE: ("Care", "돌봄", "ケア", "养老", "การดูแล"),
    IssueArea.HEALTH: ("Health", "건강", "すこやか", "健康", "สุขภาพ"),
    IssueArea.HOUSING: ("Homes", "주거", "すまい", "安居", "บ้าน"),
    IssueArea.GENDER: ("Equal", "평등", "イコール", "平等", "เท่าเทียม"),
    IssueArea.LOCAL_ECONOMY_REGENERATION: ("Village", "마을", "まちづくり", "乡村", "ชุมชน"),
    IssueArea.FOOD: ("Food", "먹거리", "フード", "食物", "อาหาร"),
    IssueArea.DIGITAL_INCLUSION: ("Digital", "디지털", "デジタル", "数字", "ดิจิทัล"),
    IssueArea.MIGRATION: ("Multicultural", "다문화", "多文化", "新市民", "พหุวัฒนธรรม"),
}
_LANG_COLUMN = {"ko": 1, "ja": 2, "zh-Hans": 3, "th": 4}

# Name patterns: {b} brand, {f} focus, {r} region, {co} the country's English company form.
# Kinds whose pattern has no {f} are named by brand (or region) alone.
_NAME_PATTERNS: dict[ActorKind, dict[str, str]] = {
    ActorKind.SOCIAL_ENTERPRISE: {
        "en": "{b} {f} {co}", "ko": "주식회사 {b}{f}", "ja": "株式会社{b}{f}",
        "zh-Hans": "{b}{f}有限公司", "th": "บริษัท {f}{b} จำกัด",
    },
    ActorKind.SOCIAL_VENTURE: {
        "en": "{b} {f} Labs", "ko": "{b}{f}랩스", "ja": "{b}{f}ラボ",
        "zh-Hans": "{b}{f}科技", "th": "{f}{b} แล็บ",
    },
    ActorKind.COOPERATIVE: {
        "en": "{b} {f} Cooperative", "ko": "{b}{f} 협동조합", "ja": "{b}{f}協同組合",
        "zh-Hans": "{b}{f}合作社", "th": "สหกรณ์{f}{b}",
    },
    ActorKind.NON_PROFIT: {
        "en": "{b} {f} Network", "ko": "사단법인 {b}{f}네트워크", "ja": "NPO法人{b}{f}ネットワーク",
        "zh-Hans": "{b}{f}公益服务中心", "th": "เครือข่าย{f}{b}",
    },
    ActorKind.FOUNDATION: {
        "en": "{b} {f} Foundation", "ko": "{b}{f}재단", "ja": "{b}{f}財団",
        "zh-Hans": "{b}{f}基金会", "th": "มูลนิธิ{f}{b}",
    },
    ActorKind.GOVERNMENT_AGENCY: {
        "en": "{r} {f} Support Centre", "ko": "{r}{f}지원센터", "ja": "{r}{f}支援センター",
        "zh-Hans": "{r}{f}服务中心", "th": "ศูนย์ส่งเสริม{f}{r}",
    },
    ActorKind.LOCAL_GOVERNMENT: {
        "en": "{r} Social Innovation Office", "ko": "{r} 사회혁신과",
        "ja": "{r}ソーシャルイノベーション推進室", "zh-Hans": "{r}社会创新办公室",
        "th": "สำนักงานนวัตกรรมสังคม{r}",
    },
    ActorKind.CORPORATION: {
        "en": "{b} Industries {co}", "ko": "{b}산업 주식회사", "ja": "{b}工業株式会社",
        "zh-Hans": "{b}实业有限公司", "th": "บริษัท {b} อินดัสตรี จำกัด",
    },
    ActorKind.IMPACT_INVESTOR: {
        "en": "{b} Impact Partners", "ko": "{b}임팩트파트너스", "ja": "{b}インパクトパートナーズ",
        "zh-Hans": "{b}影响力投资", "th": "{b} อิมแพ็ค พาร์ทเนอร์ส",
    },
    ActorKind.UNIVERSITY_RESEARCH: {
        "en": "{r} {f} Research Institute", "ko": "{r}{f}연구소", "ja": "{r}{f}研究所",
        "zh-Hans": "{r}{f}研究院", "th": "สถาบันวิจัย{f}{r}",
    },
    ActorKind.HUB_INTERMEDIARY: {
        "en": "{b} Social Innovation Hub", "ko": "{b} 사회혁신허브",
        "ja": "{b}ソーシャルイノベーションハブ", "zh-Hans": "{b}社会创新中心",
        "th": "ศูนย์นวัตกรรมสังคม{b}",
    },
    ActorKind.COMMUNITY_GROUP: {
        "en": "{b} {f} Circle", "ko": "{b}{f} 모임", "ja": "{b}{f}の会",
        "zh-Hans": "{b}{f}互助会", "th": "กลุ่ม{f}{b}",
    },
}  # fmt: skip

# Kind in local descriptions: (ko, ja, zh-Hans, th).
_KIND_WORDS: dict[ActorKind, tuple[str, str, str, str]] = {
    ActorKind.SOCIAL_ENTERPRISE: ("사회적기업", "社会的企業", "社会企业", "วิสาหกิจเพื่อสังคม"),
    ActorKind.SOCIAL_VENTURE: (
        "소셜벤처", "ソーシャルベンチャー", "社会创新企业", "สตาร์ทอัพเพื่อสังคม",
    ),
    ActorKind.COOPERATIVE: ("협동조합", "協同組合", "合作社", "สหกรณ์"),
    ActorKind.NON_PROFIT: ("비영리단체", "非営利団体", "非营利组织", "องค์กรไม่แสวงหาผลกำไร"),
    ActorKind.FOUNDATION: ("재단", "財団", "基金会", "มูลนิธิ"),
    ActorKind.GOVERNMENT_AGENCY: ("공공기관", "公的機関", "政府机构", "หน่วยงานภาครัฐ"),
    ActorKind.LOCAL_GOVERNMENT: ("지방자치단체", "地方自治体", "地方政府", "องค์กรปกครองส่วนท้องถิ่น"),
    ActorKind.CORPORATION: ("기업", "企業", "企业", "บริษัท"),
    ActorKind.IMPACT_INVESTOR: (
        "임팩트 투자사", "インパクト投資家", "影响力投资机构", "ผู้ลงทุนเพื่อสังคม",
    ),
    ActorKind.UNIVERSITY_RESEARCH: ("연구기관", "研究機関", "研究机构", "สถาบันวิจัย"),
    ActorKind.HUB_INTERMEDIARY: ("중간지원조직", "中間支援組織", "支持型机构", "องค์กรตัวกลาง"),
    ActorKind.COMMUNITY_GROUP: ("지역 모임", "地域団体", "社区组织", "กลุ่มชุมชน"),
}  # fmt: skip

_KIND_WEIGHTS: dict[ActorKind, int] = {
    ActorKind.SOCIAL_ENTERPRISE: 25,
    ActorKind.SOCIAL_VENTURE: 12,
    ActorKind.COOPERATIVE: 10,
    ActorKind.NON_PROFIT: 14,
    ActorKind.FOUNDATION: 6,
    ActorKind.GOVERNMENT_AGENCY: 3,
    ActorKind.LOCAL_GOVERNMENT: 4,
    ActorKind.CORPORATION: 10,
    ActorKind.IMPACT_INVESTOR: 4,
    ActorKind.UNIVERSITY_RESEARCH: 5,
    ActorKind.HUB_INTERMEDIARY: 4,
    ActorKind.COMMUNITY_GROUP: 3,
}

_C = Capability
# What each kind typically offers and needs; an actor draws from these pools.
_OFFER_POOLS: dict[ActorKind, tuple[Capability, ...]] = {
    ActorKind.SOCIAL_ENTERPRISE: (_C.NETWORKS, _C.DATA, _C.TECHNOLOGY, _C.VOLUNTEERS_TALENT),
    ActorKind.SOCIAL_VENTURE: (_C.TECHNOLOGY, _C.DATA),
    ActorKind.COOPERATIVE: (_C.NETWORKS, _C.VOLUNTEERS_TALENT, _C.SPACE),
    ActorKind.NON_PROFIT: (_C.VOLUNTEERS_TALENT, _C.NETWORKS, _C.DATA),
    ActorKind.FOUNDATION: (_C.FUNDING, _C.NETWORKS, _C.MENTORING),
    ActorKind.GOVERNMENT_AGENCY: (_C.FUNDING, _C.POLICY_SUPPORT, _C.DATA, _C.SPACE),
    ActorKind.LOCAL_GOVERNMENT: (
        _C.POLICY_SUPPORT, _C.SPACE, _C.DATA, _C.MARKET_ACCESS_PROCUREMENT,
    ),
    ActorKind.CORPORATION: (
        _C.MARKET_ACCESS_PROCUREMENT, _C.TECHNOLOGY, _C.VOLUNTEERS_TALENT, _C.FUNDING, _C.MENTORING,
    ),
    ActorKind.IMPACT_INVESTOR: (_C.FUNDING, _C.INVESTMENT_READINESS, _C.MENTORING),
    ActorKind.UNIVERSITY_RESEARCH: (_C.RESEARCH, _C.DATA, _C.VOLUNTEERS_TALENT),
    ActorKind.HUB_INTERMEDIARY: (
        _C.SPACE, _C.MENTORING, _C.BUSINESS_MODEL_SUPPORT, _C.NETWORKS, _C.INVESTMENT_READINESS,
    ),
    ActorKind.COMMUNITY_GROUP: (_C.VOLUNTEERS_TALENT, _C.NETWORKS),
}  # fmt: skip
_NEED_POOLS: dict[ActorKind, tuple[Capability, ...]] = {
    ActorKind.SOCIAL_ENTERPRISE: (
        _C.FUNDING, _C.INVESTMENT_READINESS, _C.MENTORING, _C.MARKET_ACCESS_PROCUREMENT,
        _C.BUSINESS_MODEL_SUPPORT, _C.SPACE,
    ),
    ActorKind.SOCIAL_VENTURE: (
        _C.INVESTMENT_READINESS, _C.FUNDING, _C.MENTORING, _C.MARKET_ACCESS_PROCUREMENT,
        _C.NETWORKS,
    ),
    ActorKind.COOPERATIVE: (_C.FUNDING, _C.BUSINESS_MODEL_SUPPORT, _C.MARKET_ACCESS_PROCUREMENT),
    ActorKind.NON_PROFIT: (_C.FUNDING, _C.TECHNOLOGY, _C.DATA, _C.POLICY_SUPPORT),
    ActorKind.FOUNDATION: (_C.DATA, _C.RESEARCH),
    ActorKind.GOVERNMENT_AGENCY: (_C.DATA, _C.RESEARCH, _C.NETWORKS),
    ActorKind.LOCAL_GOVERNMENT: (_C.DATA, _C.RESEARCH, _C.NETWORKS, _C.TECHNOLOGY),
    ActorKind.CORPORATION: (_C.NETWORKS, _C.DATA, _C.RESEARCH),
    ActorKind.IMPACT_INVESTOR: (_C.NETWORKS, _C.DATA),
    ActorKind.UNIVERSITY_RESEARCH: (_C.FUNDING, _C.NETWORKS),
    ActorKind.HUB_INTERMEDIARY: (_C.FUNDING, _C.DATA, _C.POLICY_SUPPORT),
    ActorKind.COMMUNITY_GROUP: (_C.FUNDING, _C.SPACE, _C.MENTORING, _C.BUSINESS_MODEL_SUPPORT),
}  # fmt: skip

# (what an offer says, what a need says)
_DETAILS: dict[Capability, tuple[str, str]] = {
    _C.FUNDING: ("Small grants and seed funding", "Funding to scale up our services"),
    _C.INVESTMENT_READINESS: (
        "Coaching towards a first investment round", "Preparing for a first investment round",
    ),
    _C.MENTORING: ("Mentors with sector experience", "A mentor for the founding team"),
    _C.SPACE: ("Desks, meeting rooms and event space", "Affordable office or workshop space"),
    _C.BUSINESS_MODEL_SUPPORT: (
        "Business model clinics", "Help to make our business model sustainable",
    ),
    _C.MARKET_ACCESS_PROCUREMENT: (
        "Purchasing from social enterprises", "Access to public and corporate procurement",
    ),
    _C.TECHNOLOGY: ("Software and technical know-how", "A digital tool for our service"),
    _C.DATA: ("Local data from our work", "Local indicators to target our work"),
    _C.RESEARCH: ("Applied research and evaluation", "An evaluation of our impact"),
    _C.POLICY_SUPPORT: ("Policy advice and public programmes", "Dialogue with policy makers"),
    _C.VOLUNTEERS_TALENT: ("Volunteers and skilled staff", "Volunteers and skilled staff"),
    _C.NETWORKS: ("Introductions to our partners", "Introductions to partners in our region"),
}  # fmt: skip

# A need met by an offer of this capability becomes a partnership of this type.
_PARTNERSHIP_TYPE_FOR: dict[Capability, str] = {
    _C.FUNDING: "funding",
    _C.INVESTMENT_READINESS: "mentoring",
    _C.MENTORING: "mentoring",
    _C.SPACE: "space",
    _C.BUSINESS_MODEL_SUPPORT: "mentoring",
    _C.MARKET_ACCESS_PROCUREMENT: "procurement",
    _C.TECHNOLOGY: "co_delivery",
    _C.DATA: "research",
    _C.RESEARCH: "research",
    _C.POLICY_SUPPORT: "policy",
    _C.VOLUNTEERS_TALENT: "co_delivery",
    _C.NETWORKS: "co_delivery",
}

# Project wording: (en, ko, ja, zh-Hans, th).
_PROJECT_NOUNS = (
    ("pilot", "시범사업", "モデル事業", "试点项目", "โครงการนำร่อง"),
    ("programme", "프로그램", "プログラム", "计划", "โครงการ"),
    ("living lab", "리빙랩", "リビングラボ", "生活实验室", "ห้องปฏิบัติการชุมชน"),
)


def _project_title(lang: str, noun: tuple[str, ...], issue: str, region: str) -> str:
    match lang:
        case "ko":
            return f"{region} {issue} {noun[1]}"
        case "ja":
            return f"{region}の{issue}{noun[2]}"
        case "zh-Hans":
            return f"{region}{issue}{noun[3]}"
        case _:
            return f"{noun[4]}ด้าน{issue} {region}"


def _description(lang: str, kind: ActorKind, issues: list[str], region: str) -> str:
    ko, ja, zh, th = _KIND_WORDS[kind]
    match lang:
        case "ko":
            return f"{region} 지역에서 {', '.join(issues)} 분야에 힘쓰는 {ko}입니다."
        case "ja":
            return f"{region}で{'、'.join(issues)}に取り組む{ja}です。"
        case "zh-Hans":
            return f"位于{region}、致力于{'、'.join(issues)}的{zh}。"
        case _:
            return f"{th}ที่ทำงานด้าน{' และ '.join(issues)}ใน{region}"


def _local_label(area: IssueArea, lang: str) -> str:
    labels = ISSUE_AREAS[area].labels
    return {"ko": labels.ko, "ja": labels.ja, "zh-Hans": labels.zh_hans, "th": labels.th}[lang]


def _invented_names(
    kind: ActorKind,
    country: _Country,
    region: _Region,
    brand: tuple[str, str],
    focus: tuple[str, ...],
) -> list[dict[str, str]]:
    """The English name and its local-script counterpart, from the kind's name pattern."""
    patterns = _NAME_PATTERNS[kind]
    english = patterns["en"].format(b=brand[0], f=focus[0], r=region.en, co=country.company_suffix)
    local = patterns[country.lang].format(
        b=brand[1], f=focus[_LANG_COLUMN[country.lang]], r=region.local
    )
    return [{"value": english, "lang": "en"}, {"value": local, "lang": country.lang}]


def _invented_descriptions(
    kind: ActorKind, country: _Country, region: _Region, issues: list[IssueArea]
) -> list[dict[str, str]]:
    issue_en = [ISSUE_AREAS[a].labels.en.lower() for a in issues[:2]]
    english = (
        f"Illustrative {kind.value.replace('_', ' ')} working on "
        f"{' and on '.join(issue_en)} in {region.en}."
    )
    issue_local = [_local_label(a, country.lang) for a in issues[:2]]
    local = _description(country.lang, kind, issue_local, region.local)
    return [{"value": english, "lang": "en"}, {"value": local, "lang": country.lang}]


def _day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randrange((last - first).days + 1))


@dataclass
class _InventedActor:
    payload: Payload
    country: _Country
    region: _Region
    kind: ActorKind
    issues: list[IssueArea]
    offers: list[Capability]
    needs: list[Capability]

    @property
    def ref(self) -> str:
        return self.payload["ref"]

    def name(self, lang: str) -> str:
        return next(n["value"] for n in self.payload["names"] if n["lang"] == lang)


class _Inventor:
    """Draws every invented record from one seeded random generator, in a fixed order."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.actors: list[_InventedActor] = []

    def actor(self, country: _Country, number: int, taken: set[tuple[str, str]]) -> None:
        rng = self.rng
        kind = rng.choices(list(_KIND_WEIGHTS), weights=list(_KIND_WEIGHTS.values()))[0]
        issues = rng.sample(list(IssueArea), rng.choice((1, 1, 2, 2, 3)))
        patterns = _NAME_PATTERNS[kind]
        # The part that makes the name unique within the country: brand or region, and focus.
        while True:
            region = rng.choice(country.regions)
            brand = rng.choice(country.brands)
            focus = _FOCUS[issues[0]]
            key = (
                region.code if "{r}" in patterns["en"] else brand[0],
                focus[0] if "{f}" in patterns["en"] else kind.value,
            )
            if key not in taken:
                taken.add(key)
                break
            issues[0] = rng.choice(list(IssueArea))
        issues = list(dict.fromkeys(issues))
        offers = rng.sample(_OFFER_POOLS[kind], min(len(_OFFER_POOLS[kind]), rng.randint(1, 3)))
        need_pool = [c for c in _NEED_POOLS[kind] if c not in offers]
        needs = rng.sample(need_pool, min(len(need_pool), rng.randint(1, 3)))
        ref = f"{country.code.lower()}-{number:03d}"
        payload: Payload = {
            "ref": ref,
            "names": _invented_names(kind, country, region, brand, focus),
            "descriptions": _invented_descriptions(kind, country, region, issues),
            "kind": kind.value,
            "country": country.code,
            "region": region.code,
            "locality": rng.choice(region.localities) if region.localities else None,
            "founded_year": rng.randint(1985 if kind is ActorKind.FOUNDATION else 1995, 2024),
            "website": f"https://example.org/{ref}" if rng.random() < 0.4 else None,
            "issue_areas": [a.value for a in issues],
            "offers": [{"capability": c.value, "detail": _DETAILS[c][0]} for c in offers],
            "needs": [{"capability": c.value, "detail": _DETAILS[c][1]} for c in needs],
            "certifications": self.certifications(country.code, kind),
            "identifiers": (
                [{"scheme": DEMO_IDENTIFIER_SCHEME, "value": ref.upper().replace("-", "")}]
                if rng.random() < 0.35
                else []
            ),
            "illustrative": True,
        }
        self.actors.append(_InventedActor(payload, country, region, kind, issues, offers, needs))

    def certifications(self, country: str, kind: ActorKind) -> list[Payload]:
        rng = self.rng

        def cert(scheme: str, level: str) -> Payload:
            valid_from = _day(rng, date(2012, 1, 1), date(2025, 6, 30))
            return {
                "scheme": scheme,
                "level": level,
                "valid_from": valid_from.isoformat(),
                "valid_to": None,
            }

        found: list[Payload] = []
        roll = rng.random()
        if country == "KR" and kind is ActorKind.SOCIAL_ENTERPRISE:
            if roll < 0.6:
                level = rng.choice(
                    (
                        "job_provision", "social_service_provision",
                        "local_community_contribution", "mixed", "creative_other",
                    )
                )  # fmt: skip
                found.append(cert("kr_certified_social_enterprise", level))
            elif roll < 0.9:
                found.append(
                    cert("kr_preliminary_social_enterprise", rng.choice(("regional", "ministry")))
                )
        elif country == "KR" and kind is ActorKind.SOCIAL_VENTURE and roll < 0.3:
            found.append(
                cert("kr_preliminary_social_enterprise", rng.choice(("regional", "ministry")))
            )
        elif country == "JP" and kind is ActorKind.NON_PROFIT and roll < 0.3:
            found.append(cert("jp_certified_npo", rng.choice(("certified", "special_certified"))))
        elif (
            country == "CN" and kind in (ActorKind.NON_PROFIT, ActorKind.FOUNDATION) and roll < 0.4
        ):
            found.append(
                cert("cn_charitable_organization", rng.choice(("registered", "public_fundraising")))
            )
        elif (
            country == "SG"
            and kind in (ActorKind.SOCIAL_ENTERPRISE, ActorKind.SOCIAL_VENTURE)
            and roll < 0.5
        ):
            found.append(cert("sg_raise_member", "member"))
        elif country == "TH" and kind is ActorKind.SOCIAL_ENTERPRISE and roll < 0.5:
            found.append(
                cert("th_osep_registered", rng.choice(("non_profit_sharing", "profit_sharing")))
            )
        if kind in (ActorKind.SOCIAL_VENTURE, ActorKind.CORPORATION) and rng.random() < 0.08:
            found.append(cert("b_corp", "certified"))
        return found

    def hub_programmes(self, real_hubs: list[Payload]) -> tuple[list[Payload], list[Payload]]:
        """One incubation programme with two cohorts per hub, and invented member teams."""
        rng = self.rng
        cohorts = (
            ("2025 cohort", date(2025, 3, 3), date(2025, 12, 12)),
            ("2026 cohort", date(2026, 3, 2), date(2026, 12, 11)),
        )
        hubs = [(h["ref"], h["country"], h["region"]) for h in real_hubs] + [
            (a.ref, a.country.code, a.region.code)
            for a in self.actors
            if a.kind is ActorKind.HUB_INTERMEDIARY
        ]
        teams = [
            a
            for a in self.actors
            if a.kind
            in (ActorKind.SOCIAL_ENTERPRISE, ActorKind.SOCIAL_VENTURE, ActorKind.COOPERATIVE)
        ]
        programmes: list[Payload] = []
        memberships: list[Payload] = []
        for hub_ref, country, region in hubs:
            programme = "Incubation programme"
            programmes.append(
                {
                    "hub_ref": hub_ref,
                    "name": programme,
                    "cohorts": [
                        {"name": name, "starts_on": start.isoformat(), "ends_on": end.isoformat()}
                        for name, start, end in cohorts
                    ],
                    "illustrative": True,
                }
            )
            local = [t for t in teams if t.country.code == country]
            # Teams from the hub's own region first, then from elsewhere in the country.
            local.sort(key=lambda t: (t.region.code != region, rng.random()))
            candidates = local[:12]
            for name, start, end in cohorts:
                for team in rng.sample(candidates, min(len(candidates), rng.randint(4, 7))):
                    memberships.append(
                        {
                            "hub_ref": hub_ref,
                            "programme": programme,
                            "cohort": name,
                            "actor_ref": team.ref,
                            "starts_on": start.isoformat(),
                            "ends_on": end.isoformat(),
                            "illustrative": True,
                        }
                    )
        return programmes, memberships

    def partner_for(self, actor: _InventedActor, cross_border: bool) -> _InventedActor:
        pool = [
            a
            for a in self.actors
            if a is not actor and (a.country.code != actor.country.code) == cross_border
        ]
        return self.rng.choice(pool)

    def projects(self, count: int) -> list[Payload]:
        rng = self.rng
        projects = []
        for _ in range(count):
            owner = rng.choice(self.actors)
            issues = rng.sample(owner.issues, rng.randint(1, len(owner.issues)))
            noun = rng.choice(_PROJECT_NOUNS)
            partners: list[str] = []
            for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
                partner = self.partner_for(owner, cross_border=rng.random() < 0.15)
                if partner.ref not in partners:
                    partners.append(partner.ref)
            lang = owner.country.lang
            issue_en = ISSUE_AREAS[issues[0]].labels.en
            projects.append(
                {
                    "owner_ref": owner.ref,
                    "title": _text(en=f"{issue_en} {noun[0]} in {owner.region.en}")
                    + [
                        {
                            "value": _project_title(
                                lang, noun, _local_label(issues[0], lang), owner.region.local
                            ),
                            "lang": lang,
                        }
                    ],
                    "region": owner.region.code,
                    "country": owner.country.code,
                    "issue_areas": [a.value for a in issues],
                    "status": rng.choices(("planned", "active", "completed"), (2, 5, 3))[0],
                    "partner_refs": partners,
                    "illustrative": True,
                }
            )
        return projects

    def case_studies(self, count: int) -> list[Payload]:
        rng = self.rng
        studies = []
        for number in range(1, count + 1):
            lead = rng.choice(self.actors)
            others = [self.partner_for(lead, cross_border=rng.random() < 0.2) for _ in range(2)]
            refs = list(dict.fromkeys([lead.ref, *(o.ref for o in others[: rng.randint(0, 2)])]))
            issue = lead.issues[0]
            lang = lead.country.lang
            studies.append(
                {
                    "title": _text(
                        en=f"{lead.name('en')}: {ISSUE_AREAS[issue].labels.en.lower()} "
                        f"in {lead.region.en}"
                    )
                    + [
                        {
                            "value": f"{lead.name(lang)}: {_local_label(issue, lang)}",
                            "lang": lang,
                        }
                    ],
                    "summary": _text(
                        en=f"Illustrative case: how {lead.name('en')} and its partners worked "
                        f"on {ISSUE_AREAS[issue].labels.en.lower()} in {lead.region.en}, what "
                        "they tried, and what other regions could reuse."
                    ),
                    "country": lead.country.code,
                    "region": lead.region.code,
                    "issue_areas": [issue.value],
                    "actor_refs": refs,
                    "year": rng.randint(2016, 2025),
                    "source_url": (
                        f"https://example.org/case-studies/{number:02d}"
                        if rng.random() < 0.5
                        else None
                    ),
                    "illustrative": True,
                }
            )
        return studies

    def partnerships(self, count: int) -> list[Payload]:
        """Ties where one side offers what the other needs, so they read as plausible."""
        rng = self.rng
        ties: list[Payload] = []
        seen: set[tuple[frozenset[str], str]] = set()
        while len(ties) < count:
            seeker = rng.choice(self.actors)
            need = rng.choice(seeker.needs)
            cross_border = rng.random() < 0.1
            providers = [
                a
                for a in self.actors
                if a is not seeker
                and need in a.offers
                and (a.country.code != seeker.country.code) == cross_border
            ]
            if not providers:
                continue
            provider = rng.choice(providers)
            type_ = _PARTNERSHIP_TYPE_FOR[need]
            if type_ == "funding" and provider.kind is ActorKind.IMPACT_INVESTOR:
                type_ = "investment"
            refs = [seeker.ref, provider.ref]
            if rng.random() < 0.1:
                third = self.partner_for(seeker, cross_border=False)
                if third.ref not in refs:
                    refs.append(third.ref)
            key = (frozenset(refs), type_)
            if key in seen:
                continue
            seen.add(key)
            ties.append(
                {
                    "actor_refs": refs,
                    "type": type_,
                    "status": rng.choices(("proposed", "active", "ended"), (15, 60, 25))[0],
                    "origin": "manual",
                    "starts_on": _day(rng, date(2018, 1, 1), date(2025, 12, 31)).isoformat(),
                    "illustrative": True,
                }
            )
        return ties


def demo_dataset(seed: int = SEED) -> dict[str, list[Payload]]:
    """Actors, hub programmes, memberships, projects, case studies and partnerships."""
    inventor = _Inventor(seed)
    for country in _COUNTRIES:
        taken: set[tuple[str, str]] = set()
        for number in range(1, country.size + 1):
            inventor.actor(country, number, taken)
    real = _real_actors()
    real_hubs = [a for a in real if a["kind"] == ActorKind.HUB_INTERMEDIARY.value]
    programmes, memberships = inventor.hub_programmes(real_hubs)
    return {
        "actors": real + [a.payload for a in inventor.actors],
        "hub_programmes": programmes,
        "memberships": memberships,
        "projects": inventor.projects(160),
        "case_studies": _real_case_studies() + inventor.case_studies(30),
        "partnerships": _real_partnerships() + inventor.partnerships(180),
    }
