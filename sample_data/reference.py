"""Static reference data of the demo marketplace: markets, policies, queues, vendors, weights.

Everything here is plain data. Index order matters: generators store categorical values as integer
codes into these tuples and turn them into strings at the very end.
"""

from __future__ import annotations

import numpy as np

# ----------------------------------------------------------------------------------------------
# Markets
# ----------------------------------------------------------------------------------------------
# code, name, region, UTC offset (hours, standard time), case volume weight, creator weight
MARKETS: tuple[tuple[str, str, str, int, float, float], ...] = (
    ("US", "United States", "North America", -5, 0.200, 0.130),
    ("MX", "Mexico", "Latin America", -6, 0.060, 0.070),
    ("BR", "Brazil", "Latin America", -3, 0.090, 0.090),
    ("GB", "United Kingdom", "Europe", 0, 0.070, 0.070),
    ("DE", "Germany", "Europe", 1, 0.070, 0.050),
    ("FR", "France", "Europe", 1, 0.060, 0.045),
    ("ES", "Spain", "Europe", 1, 0.045, 0.040),
    ("IT", "Italy", "Europe", 1, 0.045, 0.035),
    ("IE", "Ireland", "Europe", 0, 0.012, 0.010),
    ("ID", "Indonesia", "Southeast Asia", 7, 0.100, 0.130),
    ("MY", "Malaysia", "Southeast Asia", 8, 0.040, 0.050),
    ("TH", "Thailand", "Southeast Asia", 7, 0.060, 0.070),
    ("VN", "Vietnam", "Southeast Asia", 7, 0.050, 0.070),
    ("PH", "Philippines", "Southeast Asia", 8, 0.050, 0.080),
    ("SG", "Singapore", "Southeast Asia", 8, 0.013, 0.015),
    ("JP", "Japan", "East Asia", 9, 0.070, 0.045),
)
COUNTRY_CODES: tuple[str, ...] = tuple(m[0] for m in MARKETS)
COUNTRY_NAMES: tuple[str, ...] = tuple(m[1] for m in MARKETS)
REGIONS: tuple[str, ...] = tuple(m[2] for m in MARKETS)
UTC_OFFSET_HOURS = np.array([m[3] for m in MARKETS], dtype=np.int64)
CASE_COUNTRY_WEIGHTS = np.array([m[4] for m in MARKETS]) / sum(m[4] for m in MARKETS)
CREATOR_COUNTRY_WEIGHTS = np.array([m[5] for m in MARKETS]) / sum(m[5] for m in MARKETS)

# Local-hour activity profile (0h..23h): quiet nights, evening peak (shopping and live streams).
DIURNAL = np.array(
    [2.0, 1.4, 1.0, 0.8, 0.7, 0.8, 1.2, 2.0, 3.0, 3.8, 4.2, 4.5,
     4.8, 4.7, 4.6, 4.6, 4.8, 5.2, 5.8, 6.4, 6.8, 6.6, 5.2, 3.4]
)
DIURNAL = DIURNAL / DIURNAL.sum()

# Weekly seasonality, Monday..Sunday (mean 1.0): weekends are busier (shopping, live streams).
WEEKDAY_FACTORS = np.array([0.94, 0.94, 0.95, 0.97, 1.02, 1.11, 1.07])

# ----------------------------------------------------------------------------------------------
# Moderation policies and queues
# ----------------------------------------------------------------------------------------------
POLICIES: tuple[str, ...] = (
    "counterfeit", "prohibited_items", "misleading_claims", "ip_infringement", "fraud_scam",
    "hate_speech", "harassment", "adult_content", "violence", "spam",
)
POLICY_WEIGHTS = np.array([0.14, 0.12, 0.11, 0.09, 0.10, 0.06, 0.08, 0.08, 0.05, 0.17])

# Per-market policy emphasis (multipliers on POLICY_WEIGHTS, then renormalised per market).
POLICY_MARKET_MULT: dict[str, dict[str, float]] = {
    "US": {"ip_infringement": 1.4, "fraud_scam": 1.2},
    "MX": {"fraud_scam": 1.4, "violence": 1.3},
    "BR": {"fraud_scam": 1.5, "spam": 1.2},
    "GB": {"harassment": 1.3, "misleading_claims": 1.2},
    "DE": {"hate_speech": 1.6, "counterfeit": 1.3},
    "FR": {"hate_speech": 1.4, "prohibited_items": 1.2},
    "ES": {"counterfeit": 1.2},
    "IT": {"counterfeit": 1.4},
    "IE": {"misleading_claims": 1.2},
    "ID": {"counterfeit": 1.4, "misleading_claims": 1.3, "prohibited_items": 1.2},
    "MY": {"prohibited_items": 1.3},
    "TH": {"counterfeit": 1.3, "adult_content": 1.2},
    "VN": {"counterfeit": 1.5, "spam": 1.2},
    "PH": {"fraud_scam": 1.5, "spam": 1.3},
    "SG": {"fraud_scam": 1.3},
    "JP": {"ip_infringement": 1.5, "adult_content": 1.3},
}

QUEUES: tuple[str, ...] = ("listings", "content", "accounts", "live")
QUEUE_SLA_HOURS = np.array([24.0, 24.0, 48.0, 4.0])
# P(queue | policy), rows follow POLICIES, columns follow QUEUES.
QUEUE_GIVEN_POLICY = np.array([
    [0.85, 0.00, 0.05, 0.10],  # counterfeit
    [0.80, 0.00, 0.05, 0.15],  # prohibited_items
    [0.50, 0.35, 0.00, 0.15],  # misleading_claims
    [0.60, 0.35, 0.00, 0.05],  # ip_infringement
    [0.30, 0.20, 0.50, 0.00],  # fraud_scam
    [0.00, 0.70, 0.10, 0.20],  # hate_speech
    [0.00, 0.70, 0.10, 0.20],  # harassment
    [0.05, 0.70, 0.00, 0.25],  # adult_content
    [0.00, 0.70, 0.00, 0.30],  # violence
    [0.20, 0.50, 0.30, 0.00],  # spam
])

TARGET_TYPES: tuple[str, ...] = ("seller", "creator", "listing", "content")
# P(target_type | queue), rows follow QUEUES.
TARGET_GIVEN_QUEUE = np.array([
    [0.15, 0.00, 0.85, 0.00],  # listings
    [0.00, 0.20, 0.00, 0.80],  # content
    [0.55, 0.45, 0.00, 0.00],  # accounts
    [0.00, 0.70, 0.00, 0.30],  # live
])

OUTCOMES: tuple[str, ...] = ("approved", "actioned")
# P(actioned) by policy, shifted by channel (algo auto-actions only confident hits).
ACTIONED_BY_POLICY = np.array([0.75, 0.80, 0.65, 0.60, 0.80, 0.55, 0.50, 0.70, 0.65, 0.85])
ACTIONED_CHANNEL_SHIFT = np.array([0.08, 0.0, -0.08])

ACTIONS: tuple[str, ...] = (
    "remove_listing", "restrict_listing", "suspend_seller", "remove_content", "limit_reach",
    "warn", "suspend_account", "ban_account", "end_stream", "mute_stream",
)
# P(action | queue) over ACTIONS.
ACTION_GIVEN_QUEUE = np.array([
    [0.60, 0.30, 0.10, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00],  # listings
    [0.00, 0.00, 0.00, 0.60, 0.30, 0.10, 0.00, 0.00, 0.00, 0.00],  # content
    [0.00, 0.00, 0.00, 0.00, 0.00, 0.30, 0.50, 0.20, 0.00, 0.00],  # accounts
    [0.00, 0.00, 0.00, 0.00, 0.00, 0.20, 0.00, 0.00, 0.50, 0.30],  # live
])

CHANNELS: tuple[str, ...] = ("algo", "llm", "human")
ALGO, LLM, HUMAN = 0, 1, 2
# Channel preference per queue (multipliers on the day's global shares).
CHANNEL_QUEUE_MULT = np.array([
    [1.15, 1.10, 0.85],  # listings
    [1.00, 1.05, 0.95],  # content
    [0.75, 0.80, 1.35],  # accounts
    [0.80, 0.90, 1.30],  # live
])
QA_SAMPLE_RATE = np.array([0.02, 0.05, 0.05])

# ----------------------------------------------------------------------------------------------
# Vendors (BPO) and their sites
# ----------------------------------------------------------------------------------------------
# vendor, site, AHT factor, TAT adherence (share within SLA), QA accuracy, hourly rate USD
SITES: tuple[tuple[str, str, float, float, float, float], ...] = (
    ("Northstar", "Manila", 1.00, 0.982, 0.955, 13.0),
    ("Northstar", "Cebu", 1.08, 0.980, 0.950, 11.0),
    ("Northstar", "Kuala Lumpur", 0.95, 0.986, 0.965, 15.0),
    ("Meridian", "Bogota", 1.05, 0.982, 0.955, 14.0),
    ("Meridian", "Mexico City", 1.00, 0.980, 0.950, 15.0),
    ("Kestrel", "Hyderabad", 0.92, 0.988, 0.960, 10.0),
    ("Kestrel", "Pune", 0.97, 0.984, 0.955, 9.5),
    ("Atlas", "Lisbon", 1.10, 0.986, 0.970, 17.0),
    ("Atlas", "Warsaw", 1.02, 0.982, 0.960, 16.0),
)
SITE_VENDOR: tuple[str, ...] = tuple(s[0] for s in SITES)
SITE_NAME: tuple[str, ...] = tuple(s[1] for s in SITES)
VENDORS: tuple[str, ...] = tuple(dict.fromkeys(SITE_VENDOR))
SITE_AHT_FACTOR = np.array([s[2] for s in SITES])
SITE_TAT_ADHERENCE = np.array([s[3] for s in SITES])
SITE_ACCURACY = np.array([s[4] for s in SITES])
SITE_HOURLY_RATE = np.array([s[5] for s in SITES])
HUMAN_FIXED_COST = 0.30  # per case, on top of the handling time billed at the hourly rate
VENDOR_ACCURACY_TARGET = {"Northstar": 0.92, "Meridian": 0.92, "Kestrel": 0.93, "Atlas": 0.93}
TAT_ADHERENCE_TARGET = 0.95
AHT_MEDIAN_BY_QUEUE = np.array([150.0, 110.0, 360.0, 80.0])  # seconds, human reviewers
AHT_SHAPE = 3.3  # log-logistic shape of human handling time (spread like a lognormal, sigma ~0.55)

# Which sites review each market's human cases: {region or country: {site: weight}}.
SITE_ROUTING: dict[str, dict[str, float]] = {
    "North America": {"Hyderabad": 0.40, "Pune": 0.25, "Bogota": 0.20, "Mexico City": 0.15},
    "Latin America": {"Bogota": 0.55, "Mexico City": 0.45},
    "BR": {"Lisbon": 0.35, "Bogota": 0.40, "Mexico City": 0.25},
    "Europe": {"Lisbon": 0.45, "Warsaw": 0.45, "Pune": 0.10},
    "Southeast Asia": {"Manila": 0.40, "Cebu": 0.25, "Kuala Lumpur": 0.35},
    "East Asia": {"Manila": 0.50, "Kuala Lumpur": 0.50},
}


def site_markets(site: str) -> tuple[str, ...]:
    """The markets whose human cases the site reviews (SITE_ROUTING by country, else by region)."""
    return tuple(code for index, code in enumerate(COUNTRY_CODES)
                 if site in (SITE_ROUTING.get(code) or SITE_ROUTING.get(REGIONS[index], {})))

# ----------------------------------------------------------------------------------------------
# Appeals
# ----------------------------------------------------------------------------------------------
APPELLANT_TYPES: tuple[str, ...] = ("seller", "creator")
APPEAL_OUTCOMES: tuple[str, ...] = ("upheld", "reversed", "partially_reversed")
APPEAL_RATE_BY_TARGET = np.array([0.24, 0.20, 0.10, 0.08])  # follows TARGET_TYPES
APPEAL_RATE_CHANNEL_MULT = np.array([1.15, 1.0, 0.85])
APPEAL_SLA_HOURS = np.array([48.0, 72.0])  # seller, creator
OVERTURN_BY_CHANNEL = np.array([0.28, 0.19, 0.12])
OVERTURN_POLICY_MULT = np.array([1.00, 0.80, 1.30, 1.25, 0.60, 1.10, 1.00, 0.90, 0.70, 0.75])
OVERTURN_COUNTRY_MULT = np.array(
    [1.00, 1.08, 1.10, 0.95, 0.92, 0.97, 1.04, 1.05, 0.90, 1.06, 1.00, 1.03, 1.07, 1.10, 0.93, 0.95]
)

# ----------------------------------------------------------------------------------------------
# Creators
# ----------------------------------------------------------------------------------------------
FOLLOWER_TIERS: tuple[str, ...] = ("nano", "micro", "mid", "macro", "mega")
TIER_WEIGHTS = np.array([0.50, 0.30, 0.13, 0.05, 0.02])
TIER_GMV_MEDIAN = np.array([180.0, 1_400.0, 7_500.0, 38_000.0, 240_000.0])
TIER_RISK_MULT = np.array([1.0, 1.1, 1.2, 1.0, 0.8])
CATEGORIES: tuple[str, ...] = (
    "fashion", "beauty", "electronics", "home", "food", "fitness", "gaming", "toys",
    "health", "jewelry",
)
CATEGORY_WEIGHTS = np.array([0.20, 0.16, 0.10, 0.10, 0.09, 0.08, 0.07, 0.06, 0.08, 0.06])
CREATOR_STATUSES: tuple[str, ...] = ("active", "warned", "restricted", "banned", "offboarded")

CREATOR_POLICIES: tuple[str, ...] = (
    "misleading_claims", "undisclosed_promotion", "counterfeit", "prohibited_items",
    "fake_engagement", "harassment", "hate_speech", "adult_content", "dangerous_acts", "spam",
)
CREATOR_POLICY_WEIGHTS = np.array([0.14, 0.16, 0.10, 0.08, 0.12, 0.08, 0.05, 0.07, 0.05, 0.15])
CREATOR_POLICY_MARKET_MULT: dict[str, dict[str, float]] = {
    "US": {"undisclosed_promotion": 1.3},
    "BR": {"fake_engagement": 1.4},
    "DE": {"hate_speech": 1.4},
    "ID": {"counterfeit": 1.3},
    "VN": {"counterfeit": 1.4},
    "PH": {"spam": 1.3},
    "JP": {"adult_content": 1.3},
}
SEVERITIES: tuple[str, ...] = ("low", "medium", "high", "critical")
SEVERITY_POINTS = np.array([1, 3, 6, 10], dtype=np.int64)
# P(severity | creator policy), rows follow CREATOR_POLICIES.
SEVERITY_GIVEN_POLICY = np.array([
    [0.40, 0.38, 0.19, 0.03],  # misleading_claims
    [0.60, 0.32, 0.07, 0.01],  # undisclosed_promotion
    [0.30, 0.40, 0.25, 0.05],  # counterfeit
    [0.25, 0.40, 0.28, 0.07],  # prohibited_items
    [0.50, 0.35, 0.13, 0.02],  # fake_engagement
    [0.35, 0.40, 0.20, 0.05],  # harassment
    [0.15, 0.35, 0.35, 0.15],  # hate_speech
    [0.30, 0.40, 0.24, 0.06],  # adult_content
    [0.15, 0.35, 0.35, 0.15],  # dangerous_acts
    [0.65, 0.28, 0.06, 0.01],  # spam
])
VIOLATION_ACTIONS: tuple[str, ...] = ("warning", "points", "restriction", "ban")
# P(action | severity), rows follow SEVERITIES.
ACTION_GIVEN_SEVERITY = np.array([
    [0.80, 0.20, 0.00, 0.00],
    [0.15, 0.85, 0.00, 0.00],
    [0.00, 0.60, 0.40, 0.00],
    [0.00, 0.00, 0.50, 0.50],
])
DETECTIONS: tuple[str, ...] = ("algo", "llm", "human", "user_report")
VIOLATIONS_PER_CREATOR_PER_DAY = 1.25 / 180.0

# ----------------------------------------------------------------------------------------------
# Escalations
# ----------------------------------------------------------------------------------------------
PRIORITIES: tuple[str, ...] = ("P0", "P1", "P2", "P3")
PRIORITY_WEIGHTS = np.array([0.02, 0.13, 0.40, 0.45])
# Median hours from opening to acknowledge / contain / resolve, by priority.
PRIORITY_MEDIAN_HOURS = np.array([
    [0.5, 12.0, 48.0],
    [1.5, 24.0, 96.0],
    [4.0, 60.0, 240.0],
    [12.0, 120.0, 480.0],
])
SOURCES: tuple[str, ...] = (
    "regulator", "law_enforcement", "legal", "media", "internal", "partner", "user",
)
# P(source | priority), rows follow PRIORITIES.
SOURCE_GIVEN_PRIORITY = np.array([
    [0.30, 0.25, 0.15, 0.15, 0.10, 0.05, 0.00],
    [0.15, 0.15, 0.15, 0.15, 0.20, 0.10, 0.10],
    [0.05, 0.05, 0.10, 0.10, 0.35, 0.15, 0.20],
    [0.02, 0.03, 0.05, 0.05, 0.35, 0.15, 0.35],
])
SOURCE_PHRASES: tuple[str, ...] = (
    "Regulator inquiry", "Law-enforcement request", "Legal escalation", "Media report",
    "Internal alert", "Partner complaint", "User complaint",
)
ESCALATION_STATUSES: tuple[str, ...] = ("open", "contained", "resolved")
DOMAINS: tuple[str, ...] = (
    "content", "commerce", "appeals", "vendor_sla", "creator_risk", "moderation_mix",
)
DOMAIN_WEIGHTS = np.array([0.26, 0.24, 0.14, 0.12, 0.14, 0.10])
DOMAIN_PHRASES: tuple[str, ...] = (
    "harmful content left up too long", "unsafe product listings still live",
    "appeal decisions overdue", "vendor review quality dropped", "coordinated creator abuse",
    "automated decisions misfiring",
)
ROOT_CAUSES: tuple[str, ...] = (
    "model_regression", "policy_ambiguity", "vendor_guideline_gap", "tooling_outage",
    "capacity_shortfall", "fraud_ring", "reviewer_error", "config_change",
    "data_pipeline_delay", "third_party_dependency",
)
ROOT_CAUSE_WEIGHTS = np.array([0.10, 0.14, 0.12, 0.08, 0.12, 0.10, 0.14, 0.08, 0.06, 0.06])
