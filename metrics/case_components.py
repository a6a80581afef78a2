"""What the vendor and moderation-mix domains share: both measure decided moderation cases through
additive components summed in the database and one components -> metrics function.

A `CaseComponents` record holds a domain's measures, fixed conditions (vendors count human-reviewed
cases only) and filters; its methods are the queries both domains make the same way: the components
of a period, the values of a period and its comparison (from the trend's daily query, so a page pays
for it once), the trend, and the drill-down records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import polars as pl

from connectors.spec import All, AggregateSpec, Condition, Count, Dim, Elapsed, Eq, Measure, NotNull, RecordSpec, Sum
from metrics.base import (
    DataAccess,
    Grain,
    MetricRequest,
    Period,
    component_trend,
    elapsed_seconds,
    in_period,
    sum_by,
)

TABLE = "moderation_cases"
DECIDED = "decided_at"
TAT = Elapsed("created_at", end=DECIDED)
QA_VERDICT = All((Eq("qa_sampled", True), NotNull("qa_agree")))
# QA and cost components, measured the same way by both domains
QA_AND_COST: tuple[Measure, ...] = (
    Count("qa_verdicts", where=QA_VERDICT),
    Count("qa_agreed", where=All((QA_VERDICT, Eq("qa_agree", True)))),
    Sum("cost_sum", "cost_usd"),
)

Values = dict[str, float | None]


@dataclass(frozen=True)
class CaseComponents:
    measures: tuple[Measure, ...]
    components: tuple[str, ...]
    metric_ids: tuple[str, ...]
    with_metrics: Callable[[pl.DataFrame], pl.DataFrame]
    filters: Mapping[str, str]  # MetricRequest field -> column
    record_columns: tuple[str, ...]
    always: tuple[Condition, ...] = ()  # conditions every query of the domain carries

    def aggregate(self, data: DataAccess, request: MetricRequest, period: Period, dims: tuple[Dim, ...],
                  extra: tuple[Condition, ...] = ()) -> pl.DataFrame:
        """Components of the cases decided in `period` (and meeting `extra`), grouped by `dims`."""
        return data.aggregate(AggregateSpec(
            TABLE, dims, self.measures,
            where=(*self.always, period.between(DECIDED), *request.filters_for(self.filters), *extra),
            countries=request.countries,
        ))

    def sum_components(self, frame: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
        """The components summed per key combination (one row of totals when keys is empty)."""
        return sum_by(frame, list(keys), self.components)

    def values(self, frame: pl.DataFrame) -> Values:
        """Metric values of all rows of a component frame taken together."""
        return self.with_metrics(self.sum_components(frame, [])).select(list(self.metric_ids)).row(0, named=True)

    def period_and_comparison(self, data: DataAccess, request: MetricRequest) -> tuple[Values, Values]:
        """The metric values of the period and of its comparison period."""
        daily = self.aggregate(data, request, request.window, (Dim(DECIDED, grain="day"),))
        return (self.values(daily.filter(in_period(request.period))),
                self.values(daily.filter(in_period(request.comparison))))

    def trend(self, data: DataAccess, request: MetricRequest, grain: Grain) -> pl.DataFrame:
        """Long frame date, metric_id, value over the request window, every day or ISO week present."""
        # grain "day" is the same spec as period_and_comparison's, so a page pays for it once
        frame = self.aggregate(data, request, request.window, (Dim(DECIDED, grain=grain),)).rename({grain: "date"})
        return component_trend(frame, request.window, grain, self.components, self.with_metrics, self.metric_ids)

    def records(self, data: DataAccess, request: MetricRequest, limit: int,
                match: Sequence[Condition]) -> pl.DataFrame:
        """Cases decided in the period (narrowed by `match`), newest decision first, with their TAT in hours."""
        where = (*self.always, request.period.between(DECIDED), *request.filters_for(self.filters), *match)
        spec = RecordSpec(TABLE, self.record_columns, order_by=(DECIDED, "case_id"), limit=limit, where=where,
                          countries=request.countries)
        seconds = elapsed_seconds("created_at", DECIDED)
        return data.records(spec).with_columns((seconds / 3600.0).alias("tat_hours"))
