"""A small synthetic set of DSA statements of reasons, so the DSA page works on the demo database.

The platforms are named "(demo)" on purpose: these are not any real platform's numbers. Real
statements come in through `cli.py import-dsa`. Each peer has its own automation profile, so the
peer comparison has something to show.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from connectors.contract import polars_schema
from connectors.dsa_import import category_map
from sample_data.common import US_PER_DAY, US_PER_HOUR, Window

EU_EEA = ("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT",
          "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "IS", "LI", "NO")
# name, share of statements, P(fully automated), P(partially), P(automated detection), P(notice)
PEERS = (
    ("Peer video app (demo)", 0.45, 0.85, 0.05, 0.95, 0.05),
    ("Peer marketplace (demo)", 0.35, 0.55, 0.20, 0.80, 0.25),
    ("Peer classifieds (demo)", 0.20, 0.25, 0.25, 0.50, 0.55),
)
CATEGORIES = (
    ("STATEMENT_CATEGORY_SCAMS_AND_FRAUD", 0.25), ("STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS", 0.2),
    ("STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS", 0.15), ("STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", 0.1),
    ("STATEMENT_CATEGORY_PROTECTION_OF_MINORS", 0.05), ("STATEMENT_CATEGORY_OTHER_VIOLATION_TC", 0.15),
    ("STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE", 0.1),  # retired in 2025: exercises the mapping
)
CONTENT_TYPES = ("CONTENT_TYPE_PRODUCT", "CONTENT_TYPE_IMAGE", "CONTENT_TYPE_TEXT", "CONTENT_TYPE_VIDEO")
VISIBILITY = ("DECISION_VISIBILITY_CONTENT_REMOVED", "DECISION_VISIBILITY_CONTENT_DISABLED",
              "DECISION_VISIBILITY_CONTENT_DEMOTED")
# Some scopes lie outside every demo market (NL, PL, CZ), so a regional user sees fewer statements.
SCOPES = ((EU_EEA, 0.55), (("DE",), 0.1), (("FR",), 0.08), (("ES",), 0.06), (("IT",), 0.06), (("IE",), 0.05),
          (("DE", "AT"), 0.05), (("NL",), 0.03), (("PL", "CZ"), 0.02))


def _sometimes(rng: np.random.Generator, n: int, probability: float, value: str) -> pl.Series:
    """`value` in about `probability` of the rows, null elsewhere."""
    return pl.Series([value if hit else None for hit in rng.random(n) < probability], dtype=pl.String)


def statement_count(factor: float) -> int:
    return int(max(300, round(3000 * min(factor, 1.0))))


def build_dsa(seed: int, win: Window, factor: float) -> dict[str, pl.DataFrame]:
    """The three dsa_* tables, deterministic for (seed, window, factor)."""
    rng = np.random.default_rng([seed, 16])
    n = statement_count(factor)
    peer = rng.choice(len(PEERS), n, p=[p[1] for p in PEERS])
    fully, partially, detection, notice = (np.array([p[i] for p in PEERS])[peer] for i in (2, 3, 4, 5))
    draw = rng.random(n)
    decision = np.where(draw < fully, "AUTOMATED_DECISION_FULLY",
                        np.where(draw < fully + partially, "AUTOMATED_DECISION_PARTIALLY", "AUTOMATED_DECISION_NOT_AUTOMATED"))
    created_us = win.start_us + rng.integers(0, win.days * US_PER_DAY, n)
    application_us = created_us - rng.exponential(6 * US_PER_HOUR, n).astype(np.int64)
    content_us = application_us - rng.exponential(3 * US_PER_DAY, n).astype(np.int64)
    category = rng.choice([c for c, _ in CATEGORIES], n, p=[w for _, w in CATEGORIES])
    mapping = category_map()
    uuids = [f"00000000-0000-4000-8000-{seed:04d}{i:08d}" for i in range(n)]
    platforms = [PEERS[i][0] for i in peer]
    statements = pl.DataFrame({
        "uuid": uuids,
        "platform_name": platforms,
        "platform_uid": [f"demo-{i}" for i in range(n)],
        "schema_version": np.full(n, 2, dtype=np.int64),
        "category": [mapping.categories[c] for c in category],
        "category_original": category,
        "category_mapping": mapping.version,
        "decision_monetary": _sometimes(rng, n, 0.05, "DECISION_MONETARY_SUSPENSION"),
        "decision_provision": _sometimes(rng, n, 0.04, "DECISION_PROVISION_PARTIAL_SUSPENSION"),
        "decision_account": _sometimes(rng, n, 0.08, "DECISION_ACCOUNT_SUSPENDED"),
        "account_type": np.where(rng.random(n) < 0.4, "ACCOUNT_TYPE_BUSINESS", "ACCOUNT_TYPE_PRIVATE"),
        "decision_ground": np.where(rng.random(n) < 0.15, "DECISION_GROUND_ILLEGAL_CONTENT",
                                    "DECISION_GROUND_INCOMPATIBLE_CONTENT"),
        "content_date": pl.Series(content_us, dtype=pl.Int64).cast(pl.Datetime("us")),
        "application_date": pl.Series(application_us, dtype=pl.Int64).cast(pl.Datetime("us")),
        "decision_facts": "Synthetic demo statement.",
        "source_type": np.where(rng.random(n) < notice, "SOURCE_ARTICLE_16", "SOURCE_VOLUNTARY"),
        "automated_detection": rng.random(n) < detection,
        "automated_decision": decision,
        "created_at": pl.Series(created_us, dtype=pl.Int64).cast(pl.Datetime("us")),
        "source_file": "sample_data (synthetic)",
    })
    schema = polars_schema("dsa_statements")
    statements = statements.select(
        pl.col(name).cast(dtype) if name in statements.columns else pl.lit(None, dtype).alias(name)
        for name, dtype in schema.items()
    )
    scope_index = rng.choice(len(SCOPES), n, p=[w for _, w in SCOPES])
    territories = (
        statements.select("uuid", "platform_name", "category", "automated_detection", "automated_decision", "created_at")
        .with_columns(country_code=pl.Series([list(SCOPES[i][0]) for i in scope_index]))
        .explode("country_code")
        .select(list(polars_schema("dsa_statement_territories")))
    )
    content = rng.choice(CONTENT_TYPES, n)
    visibility = rng.choice(VISIBILITY, n)
    values = pl.concat([
        statements.select("uuid", field=pl.lit("content_type"), value=pl.Series(content)),
        statements.select("uuid", field=pl.lit("decision_visibility"), value=pl.Series(visibility)),
    ]).with_columns(statements.select("platform_name", "created_at").vstack(statements.select("platform_name", "created_at")))
    values = values.select(list(polars_schema("dsa_statement_values")))
    reports = peer_report(rng, win)
    return {"dsa_statements": statements, "dsa_statement_territories": territories, "dsa_statement_values": values,
            "dsa_report_indicators": reports}


def peer_report(rng: np.random.Generator, win: Window) -> pl.DataFrame:
    """A published report of the first demo peer for the window, in the rows `cli.py import-dsa-report`
    stores (real reports, e.g. TikTok's in ../shared/data/dsa, are imported the same way)."""
    complaints = "Number of complaints submitted to the internal-complaints mechanism"
    submitted = int(rng.integers(40_000, 60_000))
    upheld = int(submitted * 0.55)
    reversed_ = int(submitted * 0.3)
    rows = [
        ("Internal complaints mechanism", complaints, "Total number", float(submitted), "Demo: all complaints."),
        ("Internal complaints mechanism", complaints, "Decisions upheld", float(upheld), ""),
        ("Internal complaints mechanism", complaints, "Decisions partially reversed", None, "Not reported separately."),
        ("Internal complaints mechanism", complaints, "Decisions reversed", float(reversed_), ""),
        ("Internal complaints mechanism", complaints, "Median time", round(float(rng.uniform(0.3, 1.5)), 3), "Days."),
        ("Use of automated means for content moderation", "Accuracy of the automated means - Accuracy", "total",
         round(float(rng.uniform(0.85, 0.95)), 3), "Demo: upheld automated actions over all automated actions."),
    ]
    for market in ("DE", "FR", "ES", "IT", "IE", "NL", "PL"):
        rows.append(("Use of automated means for content moderation", "Accuracy of the automated means - Accuracy",
                     market, round(float(rng.uniform(0.8, 0.97)), 3), ""))
        rows.append(("Use of automated means for content moderation", "Number of measures solely taken by automated means",
                     market, float(rng.integers(50_000, 500_000)), ""))
    period = f"{win.start.isoformat()}/{win.end.isoformat()}"
    return pl.DataFrame(
        [{"service": PEERS[0][0], "reporting_period": period, "applicability": "All", "section": section,
          "indicator": indicator, "scope": scope, "value": value, "contextual_information": note or None,
          "source_file": "sample_data (synthetic)"} for section, indicator, scope, value, note in rows],
        schema=polars_schema("dsa_report_indicators"),
    )
