"""DSA statements of reasons: what platforms report to the Commission, and how we compare.

Every view is a GROUP BY over one dsa_* table; Polars only adds shares and labels. A statement
belongs to the day it was created in the database (`created_at`). Under a regional scope the
statement-level views count statements whose territorial scope meets the user's markets, and the
per-member-state view counts those markets only (connectors/query.py applies both).

Peer comparison: a statement is automated when `automated_decision` is AUTOMATED_DECISION_FULLY
(no human in the decision); our decision is automated when the algorithm or the LLM reviewer took
it (channel `algo` or `llm`) and not automated when a human did.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from connectors.spec import AggregateSpec, Condition, Count, Dim, Elapsed, Eq, Histogram, In, NotNull
from metrics.base import DataAccess, Period

EU_EEA: tuple[str, ...] = (
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU",
    "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "IS", "LI", "NO",
)
FULLY = "AUTOMATED_DECISION_FULLY"
OUR_AUTOMATED_CHANNELS = ("algo", "llm")
OURS = "Our marketplace"
DELAY_EDGES_HOURS: tuple[float, ...] = (1, 6, 24, 72, 168, 720, 2160)
DELAY_LABELS: tuple[str, ...] = ("< 1 h", "1-6 h", "6-24 h", "1-3 days", "3-7 days", "7-30 days", "30-90 days",
                                 "90 days +")
DELAYS = {
    "moderation": ("Moderation delay (content posted to decision applied)", Elapsed("content_date", "application_date")),
    "reporting": ("Reporting delay (decision applied to statement created)", Elapsed("application_date", "created_at")),
}
BREAKDOWNS: dict[str, str] = {
    "category": "Category (normalised)",
    "decision_ground": "Decision ground",
    "source_type": "Source (notice or own initiative)",
    "account_type": "Account type",
    "automated_decision": "Automated decision",
}
DECISION_COLUMNS: dict[str, str] = {
    "decision_monetary": "Monetary",
    "decision_provision": "Provision of the service",
    "decision_account": "Account",
}
LIST_FIELDS: dict[str, str] = {"content_type": "Content type", "decision_visibility": "Visibility"}


@dataclass(frozen=True)
class DsaFilter:
    """The statements a view counts: created in `period` (None = all), of `platforms` (None = all)."""

    period: Period | None = None
    platforms: tuple[str, ...] | None = None

    def conditions(self) -> tuple[Condition, ...]:
        conditions: list[Condition] = []
        if self.period is not None:
            conditions.append(self.period.between("created_at"))
        if self.platforms is not None:
            conditions.append(In("platform_name", self.platforms))
        return tuple(conditions)


def with_share(frame: pl.DataFrame, count: str, over: list[str] | None = None, name: str = "share") -> pl.DataFrame:
    total = pl.col(count).sum().over(over) if over else pl.col(count).sum()
    return frame.with_columns((pl.col(count) / total).fill_nan(None).alias(name))


def platforms(data: DataAccess) -> list[str]:
    spec = AggregateSpec("dsa_statements", (Dim("platform_name"),), (Count("statements"),))
    return data.aggregate(spec).sort("statements", descending=True)["platform_name"].to_list()


def by_platform(data: DataAccess, selection: DsaFilter) -> pl.DataFrame:
    """Statements per platform with the shares that the DSA asks about: fully automated decisions,
    automated detection, and statements following a notice (any source but own initiative)."""
    spec = AggregateSpec(
        "dsa_statements", (Dim("platform_name"),),
        (Count("statements"), Count("fully_automated", Eq("automated_decision", FULLY)),
         Count("automated_detection", Eq("automated_detection", True)),
         Count("own_initiative", Eq("source_type", "SOURCE_VOLUNTARY"))),
        selection.conditions(),
    )
    frame = data.aggregate(spec)
    return with_share(frame, "statements").with_columns(
        fully_automated_share=pl.col("fully_automated") / pl.col("statements"),
        automated_detection_share=pl.col("automated_detection") / pl.col("statements"),
        notice_share=1 - pl.col("own_initiative") / pl.col("statements"),
    ).drop("own_initiative").sort("statements", "platform_name", descending=[True, False])


def breakdown(data: DataAccess, selection: DsaFilter, dimension: str) -> pl.DataFrame:
    """Statements per platform and `dimension` value, with each value's share of its platform."""
    if dimension not in BREAKDOWNS:
        raise ValueError(f"unknown DSA breakdown '{dimension}' (known: {', '.join(BREAKDOWNS)})")
    spec = AggregateSpec("dsa_statements", (Dim("platform_name"), Dim(dimension)), (Count("statements"),),
                         selection.conditions())
    frame = data.aggregate(spec).with_columns(pl.col(dimension).fill_null("(not given)"))
    return with_share(frame, "statements", ["platform_name"]).sort(
        "platform_name", "statements", dimension, descending=[False, True, False])


def automation_matrix(data: DataAccess, selection: DsaFilter) -> pl.DataFrame:
    """Statements by automated detection (Yes/No) × automated decision, with shares of the total."""
    spec = AggregateSpec("dsa_statements", (Dim("automated_detection"), Dim("automated_decision")),
                         (Count("statements"),), selection.conditions())
    frame = data.aggregate(spec).with_columns(
        detection=pl.when(pl.col("automated_detection")).then(pl.lit("Automated detection"))
        .otherwise(pl.lit("Human detection")),
    )
    return with_share(frame, "statements").sort("automated_detection", "automated_decision", descending=[True, False])


def decision_types(data: DataAccess, selection: DsaFilter) -> pl.DataFrame:
    """Statements per decision type (visibility, monetary, provision, account) and decision."""
    parts = []
    for column, label in DECISION_COLUMNS.items():
        spec = AggregateSpec("dsa_statements", (Dim(column, name="decision"),), (Count("statements"),),
                             (*selection.conditions(), NotNull(column)))
        parts.append(data.aggregate(spec).with_columns(decision_type=pl.lit(label)))
    visibility = list_values(data, selection, "decision_visibility").rename({"value": "decision"})
    parts.insert(0, visibility.with_columns(decision_type=pl.lit("Visibility")))
    frame = pl.concat([p.select("decision_type", "decision", "statements") for p in parts])
    return frame.sort("decision_type", "statements", descending=[False, True])


def list_values(data: DataAccess, selection: DsaFilter, field: str) -> pl.DataFrame:
    """Statements per value of a list field (a statement with two content types counts under each)."""
    spec = AggregateSpec("dsa_statement_values", (Dim("value"),), (Count("statements"),),
                         (Eq("field", field), *selection.conditions()))
    return data.aggregate(spec).sort("statements", "value", descending=[True, False])


def delay_distribution(data: DataAccess, selection: DsaFilter, delay: str) -> pl.DataFrame:
    """Statements per delay bucket (DELAY_LABELS), per platform, with each bucket's platform share.
    Statements without the start date are not counted; a negative delay counts as under an hour."""
    _, elapsed = DELAYS[delay]
    hist = Histogram("delay", elapsed, DELAY_EDGES_HOURS, where=NotNull(elapsed.start))
    spec = AggregateSpec("dsa_statements", (Dim("platform_name"),), (hist,), selection.conditions())
    frame = data.aggregate(spec)
    long = frame.unpivot(index="platform_name", on=hist.columns(), variable_name="bucket", value_name="statements")
    labels = pl.DataFrame({"bucket": hist.columns(), "delay": list(DELAY_LABELS), "order": range(len(DELAY_LABELS))})
    long = long.join(labels, on="bucket").drop("bucket")
    return with_share(long, "statements", ["platform_name"]).sort("platform_name", "order")


def by_member_state(data: DataAccess, selection: DsaFilter) -> pl.DataFrame:
    """Statements per member state of the territorial scope and platform (a statement valid in 27
    states counts in each), with the fully automated share."""
    spec = AggregateSpec(
        "dsa_statement_territories", (Dim("country_code"), Dim("platform_name")),
        (Count("statements"), Count("fully_automated", Eq("automated_decision", FULLY))),
        selection.conditions(),
    )
    return data.aggregate(spec).with_columns(
        automated_share=pl.col("fully_automated") / pl.col("statements")
    ).sort("country_code", "statements", descending=[False, True])


def our_automated_share(data: DataAccess, period: Period, markets: tuple[str, ...] = EU_EEA) -> pl.DataFrame:
    """Our moderation decisions in `period` per EU/EEA market: decisions, automated (algo + LLM), share."""
    spec = AggregateSpec(
        "moderation_cases", (Dim("country_code"),),
        (Count("decisions"), Count("automated", In("channel", OUR_AUTOMATED_CHANNELS))),
        (period.between("decided_at"),), countries=markets,
    )
    return data.aggregate(spec).with_columns(automated_share=pl.col("automated") / pl.col("decisions"))


def peer_comparison(data: DataAccess, selection: DsaFilter, our_period: Period) -> pl.DataFrame:
    """Per EU/EEA market where we decide cases: our automated share beside each platform's share of
    fully automated statements valid in that market. Long format: country_code, who, decisions,
    automated, automated_share; per market ours first, then the platforms by volume."""
    ours = our_automated_share(data, our_period)
    if ours.is_empty():
        return pl.DataFrame(schema={"country_code": pl.String, "who": pl.String, "decisions": pl.Int64,
                                    "automated": pl.Int64, "automated_share": pl.Float64})
    peers = by_member_state(data, selection).filter(pl.col("country_code").is_in(ours["country_code"].implode()))
    return pl.concat([
        ours.select("country_code", who=pl.lit(OURS), decisions="decisions", automated="automated",
                    automated_share="automated_share"),
        peers.select("country_code", who="platform_name", decisions="statements", automated="fully_automated",
                     automated_share="automated_share"),
    ]).sort([pl.col("country_code"), pl.col("who") != OURS, pl.col("decisions"), pl.col("who")],
             descending=[False, False, True, False])
