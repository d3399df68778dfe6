"""The registry's versioned reference data: actor kinds and sectors, issue areas, capabilities,
partnership types and statuses, certification schemes.

Plain frozen data. The registry serves `taxonomy_document()`; other services receive the same
document through events and never import this module. Bump `TAXONOMY_VERSION` on any change.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

TAXONOMY_VERSION = "2026.1"


class Sector(StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"
    SOCIAL = "social"
    ACADEMIC = "academic"
    PHILANTHROPIC = "philanthropic"


class ActorKind(StrEnum):
    SOCIAL_ENTERPRISE = "social_enterprise"
    SOCIAL_VENTURE = "social_venture"
    COOPERATIVE = "cooperative"
    NON_PROFIT = "non_profit"
    FOUNDATION = "foundation"
    GOVERNMENT_AGENCY = "government_agency"
    LOCAL_GOVERNMENT = "local_government"
    CORPORATION = "corporation"
    IMPACT_INVESTOR = "impact_investor"
    UNIVERSITY_RESEARCH = "university_research"
    HUB_INTERMEDIARY = "hub_intermediary"
    COMMUNITY_GROUP = "community_group"


SECTOR_LABELS: Mapping[Sector, str] = MappingProxyType(
    {
        Sector.PUBLIC: "Public sector",
        Sector.PRIVATE: "Private sector",
        Sector.SOCIAL: "Social sector",
        Sector.ACADEMIC: "Academia and research",
        Sector.PHILANTHROPIC: "Philanthropy",
    }
)

ACTOR_KIND_LABELS: Mapping[ActorKind, str] = MappingProxyType(
    {
        ActorKind.SOCIAL_ENTERPRISE: "Social enterprise",
        ActorKind.SOCIAL_VENTURE: "Social venture",
        ActorKind.COOPERATIVE: "Cooperative",
        ActorKind.NON_PROFIT: "Non-profit organisation",
        ActorKind.FOUNDATION: "Foundation",
        ActorKind.GOVERNMENT_AGENCY: "Government agency",
        ActorKind.LOCAL_GOVERNMENT: "Local government",
        ActorKind.CORPORATION: "Corporation",
        ActorKind.IMPACT_INVESTOR: "Impact investor",
        ActorKind.UNIVERSITY_RESEARCH: "University or research institute",
        ActorKind.HUB_INTERMEDIARY: "Hub or intermediary",
        ActorKind.COMMUNITY_GROUP: "Community group",
    }
)

SECTOR_BY_KIND: Mapping[ActorKind, Sector] = MappingProxyType(
    {
        # Social ventures and cooperatives trade, but the social economy (the seeds' and Korea's
        # policy framing) counts them with social enterprises, not with profit-first companies.
        ActorKind.SOCIAL_ENTERPRISE: Sector.SOCIAL,
        ActorKind.SOCIAL_VENTURE: Sector.SOCIAL,
        ActorKind.COOPERATIVE: Sector.SOCIAL,
        ActorKind.NON_PROFIT: Sector.SOCIAL,
        ActorKind.FOUNDATION: Sector.PHILANTHROPIC,
        ActorKind.GOVERNMENT_AGENCY: Sector.PUBLIC,
        ActorKind.LOCAL_GOVERNMENT: Sector.PUBLIC,
        ActorKind.CORPORATION: Sector.PRIVATE,
        # Impact investors place capital that expects a return; grant-making money is a
        # foundation's. Keeping them private makes "cross-sector" mean what it says.
        ActorKind.IMPACT_INVESTOR: Sector.PRIVATE,
        ActorKind.UNIVERSITY_RESEARCH: Sector.ACADEMIC,
        # Hubs are social-economy infrastructure even when publicly funded (Social Campus On is
        # run by a public agency); the public tie shows as a partnership, not as the hub's sector.
        ActorKind.HUB_INTERMEDIARY: Sector.SOCIAL,
        ActorKind.COMMUNITY_GROUP: Sector.SOCIAL,
    }
)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Labels(_Frozen):
    """One label per platform language; `zh_hans` is Simplified Chinese (key `zh-Hans`)."""

    model_config = ConfigDict(populate_by_name=True)

    en: str
    ko: str
    ja: str
    zh_hans: str = Field(alias="zh-Hans")
    th: str


# The 17 Sustainable Development Goals (UN short titles).
SDG_GOALS: Mapping[int, str] = MappingProxyType(
    {
        1: "No poverty",
        2: "Zero hunger",
        3: "Good health and well-being",
        4: "Quality education",
        5: "Gender equality",
        6: "Clean water and sanitation",
        7: "Affordable and clean energy",
        8: "Decent work and economic growth",
        9: "Industry, innovation and infrastructure",
        10: "Reduced inequalities",
        11: "Sustainable cities and communities",
        12: "Responsible consumption and production",
        13: "Climate action",
        14: "Life below water",
        15: "Life on land",
        16: "Peace, justice and strong institutions",
        17: "Partnerships for the goals",
    }
)


class IssueArea(StrEnum):
    INCOME_DISPARITY = "income_disparity"
    ENVIRONMENT_CLIMATE = "environment_climate"
    EDUCATION = "education"
    EMPLOYMENT = "employment"
    AGEING_CARE = "ageing_care"
    HEALTH = "health"
    HOUSING = "housing"
    GENDER = "gender"
    LOCAL_ECONOMY_REGENERATION = "local_economy_regeneration"
    FOOD = "food"
    DIGITAL_INCLUSION = "digital_inclusion"
    MIGRATION = "migration"


class IssueAreaInfo(_Frozen):
    code: IssueArea
    sdgs: tuple[int, ...]
    labels: Labels


def _issue(code: IssueArea, sdgs: tuple[int, ...], **labels: str) -> IssueAreaInfo:
    return IssueAreaInfo(code=code, sdgs=sdgs, labels=Labels(**labels))


ISSUE_AREAS: Mapping[IssueArea, IssueAreaInfo] = MappingProxyType(
    {
        info.code: info
        for info in (
            _issue(
                IssueArea.INCOME_DISPARITY,
                (1, 10),
                en="Income disparity",
                ko="소득 격차",
                ja="所得格差",
                zh_hans="收入差距",
                th="ความเหลื่อมล้ำทางรายได้",
            ),
            _issue(
                IssueArea.ENVIRONMENT_CLIMATE,
                (7, 12, 13, 14, 15),
                en="Environment and climate",
                ko="환경·기후",
                ja="環境・気候",
                zh_hans="环境与气候",
                th="สิ่งแวดล้อมและสภาพภูมิอากาศ",
            ),
            _issue(
                IssueArea.EDUCATION,
                (4,),
                en="Education",
                ko="교육",
                ja="教育",
                zh_hans="教育",
                th="การศึกษา",
            ),
            _issue(
                IssueArea.EMPLOYMENT,
                (8,),
                en="Employment",
                ko="고용",
                ja="雇用",
                zh_hans="就业",
                th="การจ้างงาน",
            ),
            # 3 health at all ages, 5.4 unpaid care work, 10.2 inclusion irrespective of age.
            _issue(
                IssueArea.AGEING_CARE,
                (3, 5, 10),
                en="Ageing and care",
                ko="고령화·돌봄",
                ja="高齢化・介護",
                zh_hans="老龄化与照护",
                th="สังคมสูงวัยและการดูแล",
            ),
            _issue(
                IssueArea.HEALTH,
                (3,),
                en="Health",
                ko="보건·의료",
                ja="健康・医療",
                zh_hans="健康",
                th="สุขภาพ",
            ),
            # 11.1 adequate housing, 1.4 access to basic services.
            _issue(
                IssueArea.HOUSING,
                (1, 11),
                en="Housing",
                ko="주거",
                ja="住まい",
                zh_hans="住房",
                th="ที่อยู่อาศัย",
            ),
            _issue(
                IssueArea.GENDER,
                (5,),
                en="Gender equality",
                ko="성평등",
                ja="ジェンダー平等",
                zh_hans="性别平等",
                th="ความเท่าเทียมทางเพศ",
            ),
            # 8.3 local enterprise and jobs, 11.a urban–rural links.
            _issue(
                IssueArea.LOCAL_ECONOMY_REGENERATION,
                (8, 11),
                en="Local economy and regeneration",
                ko="지역경제·지역재생",
                ja="地域経済・地域再生",
                zh_hans="地方经济与区域振兴",
                th="เศรษฐกิจท้องถิ่นและการฟื้นฟูชุมชน",
            ),
            # 2 hunger and sustainable agriculture, 12.3 food loss and waste.
            _issue(
                IssueArea.FOOD,
                (2, 12),
                en="Food",
                ko="먹거리",
                ja="食料",
                zh_hans="粮食与食品",
                th="อาหาร",
            ),
            # 4.4 digital skills, 9.c access to ICT.
            _issue(
                IssueArea.DIGITAL_INCLUSION,
                (4, 9),
                en="Digital inclusion",
                ko="디지털 포용",
                ja="デジタル・インクルージョン",
                zh_hans="数字包容",
                th="การเข้าถึงเทคโนโลยีดิจิทัลอย่างทั่วถึง",
            ),
            # 8.8 migrant workers' rights, 10.7 safe and orderly migration.
            _issue(
                IssueArea.MIGRATION,
                (8, 10),
                en="Migration",
                ko="이주",
                ja="移住・移民",
                zh_hans="移民与流动人口",
                th="การย้ายถิ่น",
            ),
        )
    }
)


class Capability(StrEnum):
    """One taxonomy for what an actor offers and what it needs, so offers meet needs."""

    FUNDING = "funding"
    INVESTMENT_READINESS = "investment_readiness"
    MENTORING = "mentoring"
    SPACE = "space"
    BUSINESS_MODEL_SUPPORT = "business_model_support"
    MARKET_ACCESS_PROCUREMENT = "market_access_procurement"
    TECHNOLOGY = "technology"
    DATA = "data"
    RESEARCH = "research"
    POLICY_SUPPORT = "policy_support"
    VOLUNTEERS_TALENT = "volunteers_talent"
    NETWORKS = "networks"


CAPABILITY_LABELS: Mapping[Capability, str] = MappingProxyType(
    {
        Capability.FUNDING: "Funding (grants, loans, investment)",
        Capability.INVESTMENT_READINESS: "Investment readiness",
        Capability.MENTORING: "Mentoring and coaching",
        Capability.SPACE: "Space and facilities",
        Capability.BUSINESS_MODEL_SUPPORT: "Business model support",
        Capability.MARKET_ACCESS_PROCUREMENT: "Market access and procurement",
        Capability.TECHNOLOGY: "Technology",
        Capability.DATA: "Data",
        Capability.RESEARCH: "Research",
        Capability.POLICY_SUPPORT: "Policy support",
        Capability.VOLUNTEERS_TALENT: "Volunteers and talent",
        Capability.NETWORKS: "Networks and connections",
    }
)


class PartnershipType(StrEnum):
    FUNDING = "funding"
    INVESTMENT = "investment"
    MENTORING = "mentoring"
    CO_DELIVERY = "co_delivery"
    PROCUREMENT = "procurement"
    RESEARCH = "research"
    POLICY = "policy"
    SPACE = "space"


PARTNERSHIP_TYPE_LABELS: Mapping[PartnershipType, str] = MappingProxyType(
    {
        PartnershipType.FUNDING: "Funding",
        PartnershipType.INVESTMENT: "Investment",
        PartnershipType.MENTORING: "Mentoring",
        PartnershipType.CO_DELIVERY: "Co-delivery",
        PartnershipType.PROCUREMENT: "Procurement",
        PartnershipType.RESEARCH: "Research",
        PartnershipType.POLICY: "Policy",
        PartnershipType.SPACE: "Space",
    }
)


class PartnershipStatus(StrEnum):
    PROPOSED = "proposed"
    ACTIVE = "active"
    ENDED = "ended"


# A proposal may be withdrawn or declined (proposed → ended); an ended partnership stays ended,
# a renewed collaboration is a new partnership with its own history.
PARTNERSHIP_TRANSITIONS: Mapping[PartnershipStatus, frozenset[PartnershipStatus]] = (
    MappingProxyType(
        {
            PartnershipStatus.PROPOSED: frozenset(
                {PartnershipStatus.ACTIVE, PartnershipStatus.ENDED}
            ),
            PartnershipStatus.ACTIVE: frozenset({PartnershipStatus.ENDED}),
            PartnershipStatus.ENDED: frozenset(),
        }
    )
)


def can_transition(current: PartnershipStatus, new: PartnershipStatus) -> bool:
    return new in PARTNERSHIP_TRANSITIONS[current]


class CertificationLevel(_Frozen):
    code: str
    name: str


class CertificationScheme(_Frozen):
    code: str
    name: str
    issuer: str
    country: str | None  # ISO 3166-1 alpha-2; None for schemes open to any country
    levels: tuple[CertificationLevel, ...]

    def level_codes(self) -> frozenset[str]:
        return frozenset(level.code for level in self.levels)


def _scheme(
    code: str, name: str, issuer: str, country: str | None, *levels: tuple[str, str]
) -> CertificationScheme:
    return CertificationScheme(
        code=code,
        name=name,
        issuer=issuer,
        country=country,
        levels=tuple(CertificationLevel(code=c, name=n) for c, n in levels),
    )


CERTIFICATION_SCHEMES: Mapping[str, CertificationScheme] = MappingProxyType(
    {
        scheme.code: scheme
        for scheme in (
            # Social Enterprise Promotion Act (2007): the ministry certifies by social purpose type.
            _scheme(
                "kr_certified_social_enterprise",
                "Certified social enterprise (인증 사회적기업)",
                "Ministry of Employment and Labor, Korea",
                "KR",
                ("job_provision", "Job provision type (일자리제공형)"),
                ("social_service_provision", "Social service provision type (사회서비스제공형)"),
                (
                    "local_community_contribution",
                    "Local community contribution type (지역사회공헌형)",
                ),
                ("mixed", "Mixed type (혼합형)"),
                ("creative_other", "Creative, innovative and other type (창의·혁신형·기타형)"),
            ),
            # The step before certification, designated either by a metropolitan or provincial
            # government or by a central ministry.
            _scheme(
                "kr_preliminary_social_enterprise",
                "Preliminary social enterprise (예비사회적기업)",
                "Korean metropolitan and provincial governments, or central ministries",
                "KR",
                ("regional", "Region-designated (지역형)"),
                ("ministry", "Ministry-designated (부처형)"),
            ),
            _scheme(
                "jp_certified_npo",
                "Certified NPO corporation (認定NPO法人)",
                "Japanese prefectural governors and designated-city mayors",
                "JP",
                ("certified", "Certified (認定)"),
                ("special_certified", "Special-case certified (特例認定)"),
            ),
            _scheme(
                "cn_charitable_organization",
                "Charitable organisation (慈善组织)",
                "Chinese civil affairs departments, under the Charity Law (2016)",
                "CN",
                ("registered", "Registered or recognised charitable organisation"),
                ("public_fundraising", "With public fundraising qualification (公开募捐资格)"),
            ),
            _scheme(
                "sg_raise_member",
                "raiSE social enterprise membership",
                "raiSE, Singapore Centre for Social Enterprise",
                "SG",
                ("member", "Member"),
            ),
            # Social Enterprise Promotion Act B.E. 2562 (2019).
            _scheme(
                "th_osep_registered",
                "Registered social enterprise (วิสาหกิจเพื่อสังคม)",
                "Office of Social Enterprise Promotion, Thailand",
                "TH",
                ("non_profit_sharing", "Not sharing profits"),
                ("profit_sharing", "Sharing part of its profits"),
            ),
            _scheme(
                "b_corp",
                "Certified B Corporation",
                "B Lab",
                None,
                ("certified", "Certified"),
            ),
        )
    }
)


def taxonomy_document() -> dict[str, Any]:
    """Everything above as one JSON-able document, tagged with its version."""
    return {
        "version": TAXONOMY_VERSION,
        "sectors": [{"code": s.value, "label": SECTOR_LABELS[s]} for s in Sector],
        "actor_kinds": [
            {"code": k.value, "label": ACTOR_KIND_LABELS[k], "sector": SECTOR_BY_KIND[k].value}
            for k in ActorKind
        ],
        "sdg_goals": [{"number": n, "title": title} for n, title in SDG_GOALS.items()],
        "issue_areas": [
            {
                "code": area.value,
                "sdgs": list(ISSUE_AREAS[area].sdgs),
                "labels": ISSUE_AREAS[area].labels.model_dump(by_alias=True),
            }
            for area in IssueArea
        ],
        "capabilities": [{"code": c.value, "label": CAPABILITY_LABELS[c]} for c in Capability],
        "partnership_types": [
            {"code": t.value, "label": PARTNERSHIP_TYPE_LABELS[t]} for t in PartnershipType
        ],
        "partnership_statuses": [
            {
                "code": status.value,
                "next": sorted(s.value for s in PARTNERSHIP_TRANSITIONS[status]),
            }
            for status in PartnershipStatus
        ],
        "certification_schemes": [
            scheme.model_dump(mode="json") for scheme in CERTIFICATION_SCHEMES.values()
        ],
    }
