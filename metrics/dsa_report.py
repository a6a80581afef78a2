"""Our DSA transparency report, in the long CSV format of the harmonised template (Implementing
Regulation (EU) 2024/2835) as platforms publish it, and the comparison with a peer's published one.

Two sections, from our own contract tables for a period and the requested markets that are EU/EEA
member states (the DSA's territory; other markets never enter the report):
- Internal complaints mechanism (appeals): complaints submitted in the period; of those decided in
  the period, upheld, partially reversed and reversed; the median time to decision in days (the
  appeals TAT P50, exact to one histogram bucket, as on the Appeals page).
- Use of automated means for content moderation (moderation_cases decided in the period): measures (actioned cases) taken solely by automated means (algorithm or LLM
  reviewer) and not, and the accuracy of automated decisions = QA agreements / QA-sampled automated
  decisions with a verdict, per member state and in total.
"""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from connectors.spec import AggregateSpec, All, Count, Dim, Elapsed, Eq, Histogram, In, NotNull, Sum
from metrics.case_components import QA_VERDICT
from metrics.base import DURATION_EDGES_HOURS, DataAccess, MetricRequest, histogram_columns, percentile_series
from metrics.dsa import EU_EEA, OUR_AUTOMATED_CHANNELS

COLUMNS: tuple[str, ...] = ("Applicability", "Service", "Reporting period", "Section", "Indicator", "Scope", "Value",
                            "Contextual Information")
COMPLAINTS = "Internal complaints mechanism"
COMPLAINTS_INDICATOR = "Number of complaints submitted to the internal-complaints mechanism"
AUTOMATED = "Use of automated means for content moderation"
SOLELY_AUTOMATED = "Number of measures solely taken by automated means"
NOT_AUTOMATED = "Number of measures not taken by automated means"
ACCURACY = "Accuracy of the automated means - Accuracy"
TOTAL_SCOPE = "total"
OUTCOME_SCOPES = {"upheld": "Decisions upheld", "partially_reversed": "Decisions partially reversed",
                  "reversed": "Decisions reversed"}
OUR_SERVICE = "Our marketplace"
FILES = {COMPLAINTS: "7_appeals_and_recidivism", AUTOMATED: "8_automated_means"}


def reporting_period(request: MetricRequest) -> str:
    return f"{request.period.start.isoformat()}/{request.period.end.isoformat()}"


def _row(service: str, request: MetricRequest, section: str, indicator: str, scope: str, value: float | None,
         context: str = "") -> dict[str, object]:
    return {"Applicability": "All", "Service": service, "Reporting period": reporting_period(request),
            "Section": section, "Indicator": indicator, "Scope": scope, "Value": value,
            "Contextual Information": context}


def complaints(data: DataAccess, request: MetricRequest, service: str) -> list[dict[str, object]]:
    period = request.period
    submitted = data.aggregate(AggregateSpec("appeals", (), (Count("submitted"),), (period.between("submitted_at"),),
                                             countries=request.countries))["submitted"][0]
    tat = Histogram("tat", Elapsed("submitted_at", end="decided_at"), DURATION_EDGES_HOURS)
    decided = data.aggregate(AggregateSpec(
        "appeals", (),
        (*(Count(outcome, Eq("outcome", outcome)) for outcome in OUTCOME_SCOPES), tat),
        (period.between("decided_at"),), countries=request.countries,
    ))
    median_hours = percentile_series(decided.select(histogram_columns("tat")), "tat", 0.5)[0]
    rows = [_row(service, request, COMPLAINTS, COMPLAINTS_INDICATOR, "Total number", float(submitted),
                 "Seller and creator appeals submitted in the reporting period.")]
    rows += [_row(service, request, COMPLAINTS, COMPLAINTS_INDICATOR, scope, float(decided[outcome][0]),
                  "Appeals decided in the reporting period." if outcome == "upheld" else "")
             for outcome, scope in OUTCOME_SCOPES.items()]
    rows.append(_row(service, request, COMPLAINTS, COMPLAINTS_INDICATOR, "Median time",
                     None if median_hours is None else median_hours / 24,
                     "Days from submission to decision, appeals decided in the period (exact to one histogram bucket)."))
    return rows


def automated_means(data: DataAccess, request: MetricRequest, service: str) -> list[dict[str, object]]:
    markets = eu_request(request).countries
    automated = In("channel", OUR_AUTOMATED_CHANNELS)
    frame = data.aggregate(AggregateSpec(
        "moderation_cases", (Dim("country_code"),),
        (Count("solely_automated", All((automated, Eq("outcome", "actioned")))),
         Count("not_automated", All((Eq("channel", "human"), Eq("outcome", "actioned")))),
         Count("qa_verdicts", All((automated, QA_VERDICT))),
         Count("qa_agreed", All((automated, QA_VERDICT, Eq("qa_agree", True))))),
        (request.period.between("decided_at"),), countries=markets,
    )).sort("country_code")
    totals = frame.select(pl.col("solely_automated", "not_automated", "qa_verdicts", "qa_agreed").sum()).with_columns(
        country_code=pl.lit(TOTAL_SCOPE))
    rows = []
    for record in pl.concat([totals.select(frame.columns), frame]).iter_rows(named=True):
        scope = record["country_code"]
        accuracy = record["qa_agreed"] / record["qa_verdicts"] if record["qa_verdicts"] else None
        context = ("Accuracy: QA reviewers agreed with the automated decision, of QA-sampled automated decisions "
                   "(algorithm or LLM reviewer) decided in the period." if scope == TOTAL_SCOPE else "")
        rows += [_row(service, request, AUTOMATED, ACCURACY, scope, accuracy, context)]
        if scope != TOTAL_SCOPE:
            rows += [_row(service, request, AUTOMATED, SOLELY_AUTOMATED, scope, float(record["solely_automated"])),
                     _row(service, request, AUTOMATED, NOT_AUTOMATED, scope, float(record["not_automated"]))]
    return rows


def eu_request(request: MetricRequest) -> MetricRequest:
    """The request limited to EU/EEA markets (the DSA's territory); refuses a request with none."""
    markets = EU_EEA if request.countries is None else tuple(c for c in request.countries if c in EU_EEA)
    if not markets:
        raise ValueError(f"none of the markets ({', '.join(request.countries or ()) or 'none in scope'}) is an EU/EEA member state; "
                         "a DSA report covers EU/EEA markets only")
    return replace(request, countries=markets)


def build_report(data: DataAccess, request: MetricRequest, service: str) -> pl.DataFrame:
    """Every row of our report for the request's EU/EEA markets, in the template's columns (Value a
    float, null when not available)."""
    request = eu_request(request)
    rows = complaints(data, request, service) + automated_means(data, request, service)
    schema = {name: pl.String for name in COLUMNS} | {"Value": pl.Float64}
    return pl.DataFrame(rows, schema=schema)


def value_text(value: float | None) -> str:
    """A value as written to the CSV: whole numbers without a decimal point, others with up to 9 digits."""
    if value is None:
        return ""
    if float(value).is_integer() and abs(value) >= 1:
        return str(int(value))
    return f"{value:.9f}".rstrip("0").rstrip(".") or "0"


def side_by_side(ours: pl.DataFrame, peer: pl.DataFrame) -> pl.DataFrame:
    """Our rows beside the peer's, matched on section, indicator and scope (case and spaces ignored).
    The peer's own contextual notes are kept; rows either side lacks show an empty value."""
    def keyed(frame: pl.DataFrame, suffix: str) -> pl.DataFrame:
        return frame.with_columns(
            *(pl.col(c).str.strip_chars().str.to_lowercase().alias(f"_{c}") for c in ("Section", "Indicator", "Scope"))
        ).rename({"Value": f"value_{suffix}", "Contextual Information": f"context_{suffix}"})

    keys = ["_Section", "_Indicator", "_Scope"]
    joined = keyed(ours, "ours").select(*keys, "Section", "Indicator", "Scope", "value_ours").join(
        keyed(peer, "peer").select(*keys, pl.col("Section").alias("peer_section"), pl.col("Indicator").alias("peer_indicator"),
                                   pl.col("Scope").alias("peer_scope"), "value_peer", "context_peer"),
        on=keys, how="full", coalesce=True,
    )
    return joined.select(
        pl.coalesce("Section", "peer_section").alias("section"),
        pl.coalesce("Indicator", "peer_indicator").alias("indicator"),
        pl.coalesce("Scope", "peer_scope").alias("scope"),
        "value_ours", "value_peer", pl.col("context_peer").fill_null(""),
    ).sort("section", "indicator", "scope")


PUBLISHED_DIMS = ("service", "reporting_period", "section", "indicator", "scope", "contextual_information")


def published(data: DataAccess, service: str | None = None) -> pl.DataFrame:
    """Imported report rows (dsa_report_indicators) in the template's columns; one service or all."""
    spec = AggregateSpec(
        "dsa_report_indicators", tuple(Dim(d) for d in PUBLISHED_DIMS),
        (Count("values", NotNull("value")), Sum("value_sum", "value")),
        () if service is None else (Eq("service", service),),
    )
    frame = data.aggregate(spec)
    return frame.select(
        pl.lit("All").alias("Applicability"), pl.col("service").alias("Service"),
        pl.col("reporting_period").alias("Reporting period"), pl.col("section").alias("Section"),
        pl.col("indicator").alias("Indicator"), pl.col("scope").alias("Scope"),
        pl.when(pl.col("values") > 0).then(pl.col("value_sum")).alias("Value"),
        pl.col("contextual_information").fill_null("").alias("Contextual Information"),
    )


def within_markets(frame: pl.DataFrame, markets: list[str]) -> pl.DataFrame:
    """Rows whose scope is a member state outside `markets` dropped (totals and other scopes kept)."""
    scope = pl.col("Scope").str.strip_chars()
    is_state = scope.str.contains(r"^[A-Z]{2}$") & scope.is_in(list(EU_EEA))
    return frame.filter(~is_state | scope.is_in(markets))
