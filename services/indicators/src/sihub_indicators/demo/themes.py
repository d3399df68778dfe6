"""The demo catalogue: 36 indicators, three for each issue area, named in English and Korean (and
Japanese, Chinese or Thai where the figure is a common one in those countries).

`typical` is not sent to the API: it is the range the illustrative demo values are drawn from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

KOSIS = {"publisher": "Statistics Korea (KOSIS)", "link": "https://kosis.kr", "licence": "KOGL Type 1"}
OECD = {"publisher": "OECD Data Explorer", "link": "https://data-explorer.oecd.org", "licence": "CC BY 4.0"}
WORLD_BANK = {"publisher": "World Bank, World Development Indicators", "link": "https://data.worldbank.org",
              "licence": "CC BY 4.0"}
WHO = {"publisher": "World Health Organization, Global Health Observatory", "link": "https://www.who.int/data/gho",
       "licence": "CC BY-NC-SA 3.0 IGO"}
FAO = {"publisher": "FAO, FAOSTAT", "link": "https://www.fao.org/faostat", "licence": "CC BY 4.0"}
NATIONAL = {"publisher": "National statistics offices (KOSTAT, MHLW, SingStat, NBS China, NSO Thailand)",
            "link": "https://unstats.un.org/home/nso_sites/"}


@dataclass(frozen=True)
class DemoIndicator:
    code: str
    names: dict[str, str]
    theme: str
    unit: str
    direction: str
    sdg_targets: list[str]
    source: dict[str, str]
    typical: tuple[float, float]
    notes: str | None = None
    regional: bool = True  # published for regions too, not only countries

    def payload(self) -> dict[str, Any]:
        """The body of POST /indicators."""
        body = {
            "code": self.code, "names": self.names, "theme": self.theme, "unit": self.unit,
            "direction": self.direction, "sdg_targets": self.sdg_targets, "source": self.source,
        }
        return body | ({"notes": self.notes} if self.notes else {})


BETTER, WORSE = "higher_is_better", "lower_is_better"


def _indicator(code: str, en: str, ko: str, theme: str, unit: str, direction: str, sdg: list[str],
               source: dict[str, str], typical: tuple[float, float], **options: Any) -> DemoIndicator:
    names = {"en": en, "ko": ko} | options.pop("names", {})
    return DemoIndicator(code, names, theme, unit, direction, sdg, source, typical, **options)


DEMO_INDICATORS: tuple[DemoIndicator, ...] = (
    # income disparity
    _indicator("relative_poverty_rate", "Relative poverty rate (below 50% of median income)", "상대적 빈곤율",
               "income_disparity", "percent", WORSE, ["1.2", "10.2"], OECD, (8, 22),
               names={"ja": "相対的貧困率", "zh": "相对贫困率"}),
    _indicator("gini_disposable_income", "Gini coefficient of disposable income", "처분가능소득 지니계수",
               "income_disparity", "ratio_0_1", WORSE, ["10.1"], OECD, (0.28, 0.45), names={"ja": "ジニ係数"}),
    _indicator("income_quintile_share_ratio", "Income quintile share ratio (S80/S20)", "소득 5분위 배율",
               "income_disparity", "ratio", WORSE, ["10.1"], KOSIS, (3.5, 9.0)),
    # environment and climate
    _indicator("pm25_annual_mean", "Annual mean PM2.5 concentration", "초미세먼지(PM2.5) 연평균 농도",
               "environment_climate", "micrograms_per_m3", WORSE, ["11.6", "3.9"], WHO, (8, 45)),
    _indicator("ghg_emissions_per_capita", "Greenhouse gas emissions per person", "1인당 온실가스 배출량",
               "environment_climate", "tonnes_co2e_per_capita", WORSE, ["13.2"], WORLD_BANK, (3, 16)),
    _indicator("renewable_electricity_share", "Renewable share of electricity generation", "재생에너지 발전 비중",
               "environment_climate", "percent", BETTER, ["7.2"], WORLD_BANK, (2, 35)),
    # education
    _indicator("tertiary_attainment_25_34", "Tertiary attainment, ages 25–34", "25–34세 고등교육 이수율",
               "education", "percent", BETTER, ["4.3"], OECD, (25, 75)),
    _indicator("upper_secondary_completion", "Upper secondary completion rate", "고등학교 졸업률",
               "education", "percent", BETTER, ["4.1"], NATIONAL, (70, 99)),
    _indicator("lifelong_learning_participation", "Adult lifelong learning participation", "성인 평생학습 참여율",
               "education", "percent", BETTER, ["4.3", "4.4"], KOSIS, (20, 55)),
    # employment
    _indicator("unemployment_rate", "Unemployment rate", "실업률", "employment", "percent", WORSE, ["8.5"],
               NATIONAL, (1.5, 6.5), names={"ja": "完全失業率", "zh": "失业率", "th": "อัตราการว่างงาน"}),
    _indicator("youth_neet_rate", "Young people not in employment, education or training (15–29)",
               "청년 니트(NEET) 비율", "employment", "percent", WORSE, ["8.6"], OECD, (8, 25)),
    _indicator("employment_rate_15_64", "Employment rate, ages 15–64", "15–64세 고용률", "employment",
               "percent", BETTER, ["8.5"], NATIONAL, (58, 78)),
    # ageing and care
    _indicator("population_65_plus_share", "Share of the population aged 65 and over", "65세 이상 인구 비율",
               "ageing_care", "percent", WORSE, ["3.8"], NATIONAL, (8, 30),
               notes="Higher shares mean more demand for care per working-age person."),
    _indicator("total_fertility_rate", "Total fertility rate", "합계출산율", "ageing_care", "births_per_woman",
               BETTER, ["3.7"], NATIONAL, (0.5, 1.6), names={"ja": "合計特殊出生率", "zh": "总和生育率"},
               notes="Korea, Japan and Singapore 2019–2023: published national figures (source on each row)."),
    _indicator("elderly_living_alone_share", "Older people (65+) living alone", "독거노인 비율", "ageing_care",
               "percent", WORSE, ["11.7"], KOSIS, (15, 40)),
    # health
    _indicator("life_expectancy_at_birth", "Life expectancy at birth", "기대수명", "health", "years", BETTER,
               ["3.4"], WHO, (76, 86), names={"ja": "平均寿命"}),
    _indicator("suicide_rate", "Suicide mortality rate", "자살률", "health", "per_100000", WORSE, ["3.4"],
               WHO, (7, 30)),
    _indicator("unmet_medical_need", "Unmet need for medical care", "미충족 의료 경험률", "health", "percent",
               WORSE, ["3.8"], KOSIS, (3, 15)),
    # housing
    _indicator("housing_cost_overburden", "Households spending over 40% of income on housing",
               "주거비 과부담 가구 비율", "housing", "percent", WORSE, ["11.1"], OECD, (5, 25)),
    _indicator("home_ownership_rate", "Home ownership rate", "자가 보유율", "housing", "percent", BETTER,
               ["11.1"], NATIONAL, (45, 80)),
    _indicator("overcrowding_rate", "Households below the minimum housing standard", "최저주거기준 미달 가구 비율",
               "housing", "percent", WORSE, ["11.1"], KOSIS, (2, 15)),
    # gender
    _indicator("gender_wage_gap", "Gender gap in median earnings", "성별 임금 격차", "gender", "percent", WORSE,
               ["5.1", "8.5"], OECD, (8, 32)),
    _indicator("women_in_local_councils", "Women among local council members", "지방의회 여성 의원 비율", "gender",
               "percent", BETTER, ["5.5"], NATIONAL, (10, 40)),
    _indicator("female_employment_rate", "Female employment rate, ages 15–64", "여성 고용률(15–64세)", "gender",
               "percent", BETTER, ["5.5", "8.5"], NATIONAL, (50, 72)),
    # local economy and regeneration
    _indicator("population_change_rate", "Annual population change", "연간 인구 증감률",
               "local_economy_regeneration", "percent_change", BETTER, ["11.a"], NATIONAL, (-1.5, 1.5),
               notes="Shrinking regions lose services; the Korean government names 89 areas in decline."),
    _indicator("vacant_dwelling_share", "Vacant dwellings", "빈집 비율", "local_economy_regeneration", "percent",
               WORSE, ["11.3"], NATIONAL, (4, 16), names={"ja": "空き家率"}),
    _indicator("social_enterprises_per_100000", "Certified social enterprises per 100,000 people",
               "인구 10만 명당 인증 사회적기업 수", "local_economy_regeneration", "per_100000", BETTER, ["8.3"],
               {"publisher": "Korea Social Enterprise Promotion Agency", "link": "https://www.socialenterprise.or.kr"},
               (1, 12)),
    # food
    _indicator("food_insecurity_prevalence", "Moderate or severe food insecurity", "중등도 이상 식품 불안정 비율",
               "food", "percent", WORSE, ["2.1"], FAO, (2, 15)),
    _indicator("obesity_rate_adults", "Adult obesity", "성인 비만율", "food", "percent", WORSE, ["2.2", "3.4"],
               WHO, (5, 38)),
    _indicator("food_self_sufficiency", "Food self-sufficiency (calorie basis)", "식량 자급률(칼로리 기준)", "food",
               "percent", BETTER, ["2.4"], FAO, (10, 60), regional=False, names={"ja": "食料自給率"}),
    # digital inclusion
    _indicator("internet_use_rate", "Individuals using the internet", "인터넷 이용률", "digital_inclusion",
               "percent", BETTER, ["17.8"], WORLD_BANK, (75, 99)),
    _indicator("digital_literacy_older_adults", "Digital literacy of people aged 70+ (index)",
               "70세 이상 디지털 정보화 수준", "digital_inclusion", "index_0_100", BETTER, ["4.4"], KOSIS, (30, 80)),
    _indicator("fixed_broadband_households", "Households with fixed broadband", "초고속 인터넷 가입 가구 비율",
               "digital_inclusion", "percent", BETTER, ["17.6"], NATIONAL, (60, 99)),
    # migration
    _indicator("foreign_resident_employment_rate", "Employment rate of foreign residents",
               "외국인 주민 고용률", "migration", "percent", BETTER, ["10.7", "8.8"], NATIONAL, (50, 80)),
    _indicator("net_internal_migration_rate", "Net internal migration per 1,000 residents",
               "인구 1,000명당 순이동률", "migration", "number", BETTER, ["11.a"], NATIONAL, (-8, 8),
               notes="Per 1,000 residents; negative where more people leave than arrive."),
    _indicator("multicultural_support_centres_per_100000", "Multicultural family support centres per 100,000",
               "인구 10만 명당 다문화가족지원센터 수", "migration", "per_100000", BETTER, ["10.7"], NATIONAL,
               (0.2, 2.5)),
)
