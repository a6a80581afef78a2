"""Pure UI helpers: number and date formats, deltas, status colours, export names and bytes, chart specs."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from dataclasses import dataclass, field, replace

import polars as pl
import pytest

from metrics.base import KpiValue, MetricRequest, Period
from metrics.registry import MetricDef
from metrics.targets import Settings
from metrics import page_queries
from ui import charts, exports, filters, frame, kpis, layout, page_filters, status_tables, tables, view_charts
from ui.context import PageContext
from connectors.scope import Scope

RATE_DOWN = MetricDef("t.overturn_rate", "Overturn rate", "x", "ratio", "down", 0.15)
RATE_UP = MetricDef("t.sla_adherence", "SLA adherence", "x", "ratio", "up", 0.90)
COUNT = MetricDef("t.submitted", "Submitted", "x", "count", "neutral")
HOURS = MetricDef("t.tat_p90_hours", "TAT P90", "x", "hours", "down", 72.0)
USD = MetricDef("t.cost", "Cost", "x", "usd", "down", 1.2)
WEEK = Period(dt.date(2026, 11, 9), dt.date(2026, 11, 15))


@dataclass
class FakeAccess:
    query_seconds: float = 0.25
    queries: int = 12
    scope: Scope = field(default_factory=Scope.everything)


def context(countries: tuple[str, ...] | None = None, presentation: bool = False) -> PageContext:
    return PageContext(
        request=MetricRequest(period=WEEK, countries=countries),
        data=FakeAccess(),  # type: ignore[arg-type]
        settings=Settings(),
        markets=pl.DataFrame({"country_code": ["DE"], "country_name": ["Germany"], "region": ["Europe"]}),
        presentation=presentation,
        data_as_of=dt.datetime(2026, 11, 15, 23, 51),
        username="admin",
        filters_line="9-15 Nov 2026 vs 2-8 Nov 2026 · All markets",
    )


# ---- formats --------------------------------------------------------------------------------------


def test_dates_and_periods_read_like_a_product() -> None:
    assert kpis.format_day(dt.date(2026, 11, 3)) == "3 Nov 2026"
    assert kpis.short_period(Period(dt.date(2026, 11, 3), dt.date(2026, 11, 9))) == "3-9 Nov"
    assert kpis.short_period(Period(dt.date(2026, 10, 27), dt.date(2026, 11, 2))) == "27 Oct - 2 Nov"
    assert kpis.comparison_label(WEEK) == "vs 2-8 Nov"
    new_year = Period(dt.date(2026, 1, 1), dt.date(2026, 1, 7))
    assert kpis.comparison_label(new_year) == "vs 25-31 Dec 2025"  # the year is named when it differs
    assert kpis.comparison_label(Period(dt.date(2026, 1, 5), dt.date(2026, 1, 11))) == "vs 29 Dec - 4 Jan"


@pytest.mark.parametrize(
    ("metric", "value", "previous", "expected"),
    [
        (RATE_DOWN, 0.295, 0.259, "+3.6 pp"),  # (0.295 - 0.259) * 100 = 3.6 points
        (RATE_UP, 0.90, 0.913, "-1.3 pp"),
        (RATE_UP, 0.9001, 0.9, "±0.0 pp"),  # rounds to nothing: shown grey, without an arrow
        (HOURS, 62.11, 62.1, "±0.0 h"),
        (COUNT, 48, 39, "+9 (+23.1%)"),  # 9 / 39 = 23.08%
        (COUNT, 5, 0, "+5"),  # no relative change from zero
        (HOURS, 62.1, 66.3, "-4.2 h"),
        (USD, 1.16, 1.10, "+$0.06 (+5.5%)"),  # 0.06 / 1.10 = 5.45%
        (USD, 8_000_000.0, 10_000_000.0, "-$2,000,000.00 (-20.0%)"),  # GMV at risk: the change as a percent too
        (COUNT, None, 3, None),
        (COUNT, 3, None, None),
    ],
)
def test_delta_text(metric: MetricDef, value, previous, expected) -> None:  # type: ignore[no-untyped-def]
    assert kpis.format_delta(metric, value, previous) == expected


def test_delta_colour_follows_the_metric_direction() -> None:
    assert kpis.delta_color(RATE_UP) == "normal"  # up is good: green when up
    assert kpis.delta_color(RATE_DOWN) == "inverse"  # down is good: green when down
    assert kpis.delta_color(COUNT) == "off"


def test_status_colours_and_badges() -> None:
    on = KpiValue(RATE_UP, 0.95, 0.9, 0.90)
    off = KpiValue(RATE_DOWN, 0.30, 0.2, 0.15)
    none = KpiValue(COUNT, 10, 9, None)
    assert (on.status, off.status, none.status) == ("on_target", "off_target", "no_target")
    assert kpis.status_line(on) == ":green-badge[On target] Target ≥ 90.0%"
    assert kpis.status_line(off) == ":red-badge[Off target] Target ≤ 15.0%"
    assert kpis.status_line(none) == ":gray-badge[No target]"
    key = kpis.css_key("kpi", "off_target", "appeals.overturn_rate")
    assert key == "kpi-off_target-appeals-overturn_rate"


def test_sparkline_and_has_data() -> None:
    trend = pl.DataFrame({
        "date": [dt.date(2026, 11, d) for d in (3, 2, 4)],
        "metric_id": ["t.submitted"] * 3,
        "value": [2.0, 1.0, None],
    })
    assert kpis.sparkline(trend, "t.submitted") == [1.0, 2.0]  # sorted by date, gaps dropped
    assert kpis.sparkline(trend, "t.other") is None
    assert not kpis.has_data([KpiValue(COUNT, 0, None, None), KpiValue(RATE_UP, None, None, 0.9)])
    assert kpis.has_data([KpiValue(COUNT, 0, None, None), KpiValue(RATE_UP, 0.5, None, 0.9)])
    active = MetricDef("creators.active", "Active", "x", "count", "neutral")
    violations = MetricDef("creators.violations", "Violations", "x", "count", "neutral", activity=True)
    # a stock of active creators is not activity: no violations in the period means no data
    assert not kpis.has_data([KpiValue(active, 480, 470, None), KpiValue(violations, 0, 0, None)])


def test_column_labels_and_kinds() -> None:
    assert tables.column_label("country_code") == "Market"
    assert tables.column_label("tat_hours") == "TAT (h)"
    assert tables.column_label("aht_seconds_target") == "AHT target (s)"
    assert tables.column_label("previous_overturn_rate") == "Overturn rate (prev.)"
    assert tables.column_label("appeals.overturn_rate.previous") == "Overturn rate (prev.)"
    assert tables.column_kind("overturn_rate", pl.Float64) == "ratio"
    assert tables.column_kind("tat_adherence_target", pl.Float64) == "ratio"
    assert tables.column_kind("age_hours", pl.Float64) == "hours"
    assert tables.column_kind("cost_usd", pl.Float64) == "usd"
    assert tables.column_kind("appeal_id", pl.Int64) == "text"
    assert tables.column_kind("decided", pl.Int64) == "count"
    assert tables.column_kind("appeals.overturn_rate", pl.Float64) == "ratio"
    assert tables.column_kind("opened_at", pl.Datetime("us")) == "datetime"


def test_display_frame_shows_ratios_as_percent_and_joins_lists() -> None:
    frame = pl.DataFrame({"share": [0.1234], "missed": [["aht_seconds", "qa_accuracy"]], "case_id": [7]})
    shown = tables.display_frame(frame, tables.column_kinds(frame))
    assert shown["share"][0] == pytest.approx(12.34)
    assert shown["missed"][0] == "aht_seconds, qa_accuracy"
    assert shown["case_id"][0] == "7"
    config = tables.column_config(frame, tables.column_kinds(frame))
    assert config["share"]["type_config"]["format"] == "%.1f%%"


def test_market_cells_are_judged_against_the_market_target() -> None:
    metric_id = "appeals.overturn_rate"  # registered default target 15%
    settings = Settings.from_sections({"targets": {"by_country": {"DE": {metric_id: 0.30}}}})
    frame = pl.DataFrame({"country_code": ["DE", "FR", "SG"], metric_id: [0.25, 0.25, None]})
    statuses = status_tables.status_frame(frame, [metric_id], settings)
    assert statuses[metric_id].to_list() == ["on_target", "off_target", "no_data"]


def test_market_aht_cells_are_judged_against_the_contracts_that_served_the_market() -> None:
    aht = "vendors.aht_seconds"  # registry default: <= 420 s
    frame = pl.DataFrame({"country_code": ["DE", "FR", "SG"], aht: [230.0, 230.0, 230.0]})
    # DE's sites are contracted to 215 s: 230 s is off target; FR's to 240 s: on target; SG has no
    # vendor site in the period, so the default (420 s) applies
    contracts = pl.DataFrame({"country_code": ["DE", "FR"], aht: [215.0, 240.0]})
    statuses = status_tables.status_frame(frame, [aht], Settings(), row_targets=contracts)
    assert statuses[aht].to_list() == ["off_target", "on_target", "on_target"]
    assert status_tables.status_frame(frame, [aht], Settings())[aht].to_list() == ["on_target"] * 3


def test_the_pdf_gets_each_market_cell_status() -> None:
    from ui.context import PageReport

    ctx = context()
    ctx.report = PageReport()
    frame = pl.DataFrame({"market": ["Germany (DE)"], "vendors.aht_seconds": [230.0]})
    statuses = pl.DataFrame({"country_code": ["DE"], "vendors.aht_seconds": ["off_target"]})
    tables.record_table(ctx, "markets", frame, tables.column_kinds(frame), {"vendors.aht_seconds": "AHT"},
                        statuses=statuses)
    title, text = ctx.report.tables[0]
    assert text.columns == ["Market", "AHT"]
    assert ctx.report.table_statuses[title].rows() == [(None, "off_target")]


# ---- exports --------------------------------------------------------------------------------------


def test_export_names_carry_page_filters_and_dates() -> None:
    name = context().export_name("appeals", "records", "csv")
    assert name == "appeals_records_all-markets_20261109-20261115.csv"
    name = context(("DE", "FR")).export_name("overview", "markets", "xlsx")
    assert name == "overview_markets_DE-FR_20261109-20261115.xlsx"
    assert "/" not in context().export_name("vendors", "a/b c", "png")


def test_a_regional_users_export_names_their_markets_and_the_page_filters() -> None:
    # issue 10: a regional user's file said "all-markets" and no file named the page's own filters
    regional = replace(context(), data=FakeAccess(scope=Scope.of(("DE",))))
    assert regional.export_name("appeals", "records", "csv") == "appeals_records_DE_20261109-20261115.csv"
    filtered = context(("DE", "FR"))
    filtered.report.page_filters = {"policy": ("counterfeit", "spam")}
    assert filtered.export_name("appeals", "records", "csv") == (
        "appeals_records_DE-FR_counterfeit-spam_20261109-20261115.csv")


def test_exports_carry_labelled_headers_and_rounded_ratios() -> None:
    # issue 10: headers were column names and ratios 0.04086538461538461
    frame = pl.DataFrame({"appeals.overturn_rate": [0.04086538461538461], "tat_p90_hours": [61.23456],
                          "cases": [3], "label": ["x"]})
    exported = exports.for_export(frame, {"label": "Segment"})
    assert exported.columns == ["Overturn rate", "TAT P90 (h)", "Cases", "Segment"]
    assert exported.row(0) == (0.0409, 61.2346, 3, "x")


def test_csv_and_xlsx_bytes() -> None:
    frame = pl.DataFrame({
        "vendor_site": ["Atlas / Lisbon"],
        "missed": [["aht_seconds"]],
        "share": [0.5],
        "opened_at": [dt.datetime(2026, 11, 3, 9, 30)],
    })
    csv = exports.csv_bytes(frame).decode()
    assert csv.splitlines()[0] == "vendor_site,missed,share,opened_at"
    assert "Atlas / Lisbon,aht_seconds,0.5,2026-11-03T09:30:00" in csv
    xlsx = exports.xlsx_bytes(frame, ["share"])
    with zipfile.ZipFile(io.BytesIO(xlsx)) as book:
        assert "xl/worksheets/sheet1.xml" in book.namelist()
        assert "0.0%" in book.read("xl/styles.xml").decode()


def test_png_export_renders_a_chart() -> None:
    chart = view_charts.bar_chart(pl.DataFrame({"stage": ["a", "b"], "count": [3, 1]}), "stage", "count")
    png = exports.png_bytes(chart, scale=1)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


# ---- chart specs ----------------------------------------------------------------------------------


def _layers(spec: dict) -> list[dict]:
    found = []
    for layer in spec.get("layer", []):
        found.extend(_layers(layer) if "layer" in layer else [layer])
    return found


def _mark(layer: dict) -> str:
    mark = layer["mark"]
    return mark["type"] if isinstance(mark, dict) else mark


def test_trend_chart_has_target_rule_comparison_band_and_events() -> None:
    request = MetricRequest(period=WEEK)
    days = [WEEK.previous().start + dt.timedelta(days=i) for i in range(14)]
    trend = pl.DataFrame({"date": days, "metric_id": ["t.overturn_rate"] * 14, "value": [0.2] * 14})
    events = pl.DataFrame({"day": [dt.date(2026, 11, 11)], "text": ["P0 opened"], "country_code": ["FR"]})
    spec = charts.trend_chart(trend, RATE_DOWN, 0.15, request, events).to_dict()
    layers = _layers(spec)
    datasets = spec["datasets"]
    rules = [layer for layer in layers if _mark(layer) == "rule"]
    target_rules = [r for r in rules if r["encoding"].get("y", {}).get("field") == "target"]
    assert len(target_rules) == 1
    assert datasets[target_rules[0]["data"]["name"]][0]["target"] == 0.15
    event_rules = [r for r in rules if r["encoding"].get("x", {}).get("field") == "day"]
    assert event_rules and datasets[event_rules[0]["data"]["name"]][0]["text"] == "P0 opened"
    band = next(layer for layer in layers if _mark(layer) == "rect")
    assert datasets[band["data"]["name"]][0]["label"].startswith("Comparison 2 Nov 2026")
    line = next(layer for layer in layers if _mark(layer) == "line")
    assert line["encoding"]["y"]["axis"]["format"] == ".0%"


def test_trend_chart_without_target_has_no_rule() -> None:
    trend = pl.DataFrame({"date": [WEEK.start], "metric_id": ["t.submitted"], "value": [3.0]})
    spec = charts.trend_chart(trend, COUNT, None, MetricRequest(period=WEEK)).to_dict()
    assert not [layer for layer in _layers(spec) if _mark(layer) == "rule"]


def test_breakdown_chart_selects_by_key_and_colours_by_status() -> None:
    frame = pl.DataFrame({
        "policy": ["counterfeit", "spam", "violence"],
        "t.overturn_rate": [0.40, 0.10, None],
        "t.overturn_rate.previous": [0.30, 0.12, 0.2],
    })
    rows = charts.breakdown_frame(frame, "policy", RATE_DOWN, Settings())
    assert rows["policy"].to_list() == ["counterfeit", "spam"]  # keys without a value are left out
    assert rows["status"].to_list() == ["Off target", "On target"]
    assert rows["axis_label"][0] == "counterfeit  ·  40.0%"
    spec = charts.breakdown_chart(rows, "policy", "Policy", RATE_DOWN).to_dict()
    (param,) = spec["params"]  # Altair hoists a layer's selection to the top level, bound to the bar view
    assert param["name"] == charts.SELECTION
    assert param["select"] == {"type": "point", "clear": "dblclick", "fields": ["policy"], "on": "click"}
    bars = next(layer for layer in _layers(spec) if _mark(layer) == "bar")
    assert param["views"] == [bars["name"]]
    assert bars["encoding"]["opacity"]["condition"]["param"] == charts.SELECTION
    rules = [layer for layer in _layers(spec) if _mark(layer) == "rule"]
    assert rules and spec["datasets"][rules[0]["data"]["name"]][0]["target"] == 0.15
    json.dumps(spec)  # serialisable for the frontend and vl-convert


def test_selected_values_reads_the_selection_state() -> None:
    state = {"selection": {charts.SELECTION: [{"policy": "counterfeit"}, {"policy": "spam"}]}}
    assert charts.selected_values(state, "policy") == ["counterfeit", "spam"]
    as_mapping = {"selection": {charts.SELECTION: {"policy": ["spam"]}}}
    assert charts.selected_values(as_mapping, "policy") == ["spam"]
    assert charts.selected_values({"selection": {charts.SELECTION: {}}}, "policy") == []
    assert charts.selected_values(None, "policy") == []


def test_row_targets_prefer_market_and_site_targets() -> None:
    metric = MetricDef("vendors.aht_seconds", "AHT", "x", "seconds", "down", 420.0)
    settings = Settings(by_country={"DE": {metric.id: 300.0}}, by_site={"Atlas/Lisbon": {metric.id: 350.0}})
    assert charts.row_target(settings, metric, "country_code", "DE") == 300.0
    assert charts.row_target(settings, metric, "vendor_site", "Atlas / Lisbon") == 350.0
    assert charts.row_target(settings, metric, "policy", "spam") == 420.0


# ---- layout ---------------------------------------------------------------------------------------


def test_footer_text() -> None:
    text = frame.footer_text(context(), started=10.0, now=10.5)
    assert text == "Data as of 15 Nov 2026 23:51 UTC · 12 queries, 0.25 s · page 0.50 s"


def test_vendor_sites_become_vendor_and_site_filters() -> None:
    vendors_, sites = page_queries.split_vendor_sites(["Atlas / Lisbon", "Meridian / Bogota"])
    assert (vendors_, sites) == (("Atlas", "Meridian"), ("Lisbon", "Bogota"))
    assert page_queries.split_vendor_sites(None) == (None, None)
    chosen = {"policy": ("spam",), "vendor_site": ("Atlas / Lisbon",), "channel": None}
    request = page_filters.request_for(context(), chosen)
    assert request.policies == ("spam",)
    assert (request.vendors, request.sites, request.channels) == (("Atlas",), ("Lisbon",), None)
    assert request.vendor_sites == (("Atlas", "Lisbon"),)
    assert page_queries.vendor_site_pairs(["Atlas / Lisbon", "Kestrel / Pune", "no separator"]) == (
        ("Atlas", "Lisbon"), ("Kestrel", "Pune"))
    assert page_queries.vendor_site_pairs([]) is None
    assert page_filters.request_for(context(), {"policy": ("spam",)}, keys=("channel",)).policies is None


def test_data_errors_become_section_banners_and_other_errors_propagate() -> None:
    from connectors.errors import QueryTimeout, SourceUnavailable

    def unavailable() -> None:
        raise SourceUnavailable("Cannot open the warehouse")

    assert layout.load("Appeal KPIs", unavailable) is None
    with layout.section("The trend"):
        raise QueryTimeout("the query ran past 30 s")
    with pytest.raises(ZeroDivisionError), layout.section("The trend"):
        raise ZeroDivisionError  # a bug is not a data error: it must not be hidden


def test_no_data_message_names_the_period_and_markets() -> None:
    assert layout.no_data_message(context(("DE",)), "appeals") == (
        "No appeals between 9 Nov 2026 and 15 Nov 2026 in DE. "
        "Choose a wider date range or other markets in the sidebar."
    )


def test_filters_line_names_a_regional_users_markets() -> None:
    import datetime as dt

    from metrics.base import Period
    from ui.filters import filters_line

    week = Period(dt.date(2026, 11, 9), dt.date(2026, 11, 15))
    assert filters_line(week, None) == "9-15 Nov 2026 vs 2-8 Nov 2026 · All markets"
    assert filters_line(week, None, scope_markets=["DE", "FR"]) == (
        "9-15 Nov 2026 vs 2-8 Nov 2026 · All your markets (DE, FR)"
    )
    assert filters_line(week, ("DE",), scope_markets=["DE", "FR"]).endswith("· DE")


def test_a_narrow_ratio_axis_gets_one_more_decimal() -> None:
    from metrics.registry import get

    adherence = get("vendors.tat_adherence")
    # values 95.2% .. 96.8% with a 95% target span 1.8 pp: ".0%" would print 95%, 96%, 96%, 97%
    span = charts.value_span(pl.Series([0.952, 0.968, None]), 0.95)
    assert span == pytest.approx(0.018)
    assert charts.value_axis(adherence, span=span).format == ".1%"
    assert charts.value_axis(adherence, span=0.30).format == ".0%"
    assert charts.value_axis(adherence).format == ".0%"
    assert charts.value_span(pl.Series([], dtype=pl.Float64)) is None


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (0.1234, "ratio", "12.3%"),
        (-0.052, "ratio_delta", "-5.2 pp"),
        (12.345, "hours", "12.3 h"),
        (0.01, "hours", "36 s"),  # an LLM decision: not "0.01 h"
        (203.4, "seconds", "203 s"),
        (8665785.7, "usd", "$8,665,786"),
        (1.094, "usd", "$1.09"),
        (0.0, "usd", "$0"),
        (3011, "count", "3,011"),
        (963, "text", "963"),  # a numeric ID is not a number to format
        (None, "count", "-"),
        (True, "bool", "yes"),
        (dt.datetime(2026, 11, 15, 23, 59, 7), "datetime", "2026-11-15 23:59"),
    ],
)
def test_pdf_cells_are_formatted_like_the_screen(value: object, kind: tables.Kind, expected: str) -> None:
    assert tables.cell_text(value, kind) == expected


def test_pdf_table_uses_metric_formats_and_readable_unique_headers() -> None:
    frame = pl.DataFrame({"country_code": ["DE"], "appeals.overturn_rate": [0.205], "vendors.aht_seconds": [180.6]})
    text = tables.text_frame(frame, tables.column_kinds(frame))
    assert text.columns == ["Market", "Overturn rate", "Average handling time"]
    assert text.row(0) == ("DE", "20.5%", "181 s")


def test_loads_in_parallel_overlap_and_hand_back_results_and_errors() -> None:
    import threading

    import data

    both_running = threading.Barrier(2, timeout=10)  # breaks (and fails the loads) if run one by one

    def meet(value: int) -> int:
        both_running.wait()
        return value

    def broken() -> int:
        raise ValueError("no such market")

    pending = data.loads_in_parallel({"a": lambda: meet(1), "b": lambda: meet(2)})
    assert {key: future.result(timeout=20) for key, future in pending.items()} == {"a": 1, "b": 2}
    with pytest.raises(ValueError, match="no such market"):
        data.loads_in_parallel({"c": broken})["c"].result(timeout=20)


def test_period_labels_read_as_dates() -> None:
    # a one-day range is that day (it used to read "15-15 Nov 2026"), and its comparison the day before
    day = Period(dt.date(2026, 11, 15), dt.date(2026, 11, 15))
    assert (day.label(), day.previous().label()) == ("15 Nov 2026", "14 Nov 2026")
    assert filters.filters_line(day, ("DE",)).startswith("15 Nov 2026 vs 14 Nov 2026 · DE")
    assert Period(dt.date(2026, 11, 9), dt.date(2026, 11, 15)).label() == "9-15 Nov 2026"
    assert Period(dt.date(2026, 10, 19), dt.date(2026, 11, 15)).label() == "19 Oct - 15 Nov 2026"
    assert Period(dt.date(2025, 12, 29), dt.date(2026, 1, 4)).label() == "29 Dec 2025 - 4 Jan 2026"


@pytest.mark.parametrize(
    ("hours", "expected"),
    [(0.01, "36 s"), (0.0001, "0 s"), (0.25, "15 min"), (59.4 / 60, "59 min"), (59.7 / 60, "1.0 h"),
     (1.0, "1.0 h"), (36.25, "36.2 h"), (1234.5, "1,234.5 h")],
)
def test_turnaround_below_one_hour_reads_in_seconds_or_minutes(hours: float, expected: str) -> None:
    # 0.01 h = 36 s; 0.25 h = 15 min; 59.7 min rounds to 60 min, which reads 1.0 h
    assert HOURS.display(hours) == expected


def test_a_table_of_channel_turnarounds_shows_seconds_for_algo_and_hours_for_humans() -> None:
    frame = pl.DataFrame({"channel": ["algo", "llm", "human"], "tat_p50_hours": [0.0004, 0.01, 20.14]})
    kinds = tables.column_kinds(frame)
    shown = tables.display_frame(frame, kinds)
    # 0.0004 h = 1.44 s -> 1 s; 0.01 h = 36 s; 20.14 h -> 20.1 h
    assert shown["tat_p50_hours"].to_list() == ["1 s", "36 s", "20.1 h"]
    config = tables.column_config(frame, kinds)
    assert config["tat_p50_hours"]["label"] == "TAT P50"  # the cells carry their unit
    hours_only = pl.DataFrame({"tat_p50_hours": [2.0, 20.14]})
    assert tables.display_frame(hours_only, tables.column_kinds(hours_only))["tat_p50_hours"].to_list() == [
        2.0, 20.14]


def test_a_change_of_an_hours_metric_keeps_the_unit_of_its_values() -> None:
    assert kpis.format_delta(HOURS, 0.02, 0.01) == "+36 s"  # 0.01 h = 36 s, both values below an hour
    assert kpis.format_delta(HOURS, 2.5, 2.0) == "+0.5 h"


def test_a_relative_change_is_signed_in_tables_and_the_pdf() -> None:
    # AHT 290 s -> 400 s: +37.9 %; a fall must read differently from a rise
    assert tables.column_kind("aht_change", pl.Float64) == "ratio_change"
    frame = pl.DataFrame({"aht_change": [400 / 290 - 1, -0.05]})
    kinds = tables.column_kinds(frame)
    assert tables.column_config(frame, kinds)["aht_change"]["type_config"]["format"] == "%+.1f%%"
    assert tables.display_frame(frame, kinds)["aht_change"].to_list() == pytest.approx([37.931, -5.0], abs=1e-3)
    assert tables.cell_text(400 / 290 - 1, "ratio_change") == "+37.9%"
    assert tables.cell_text(-0.05, "ratio_change") == "-5.0%"


def _status_colour(spec: dict) -> dict:
    bars = next(layer for layer in _layers(spec) if _mark(layer) == "bar")
    return bars["encoding"]["color"]


def test_a_legend_offers_target_statuses_only_for_a_metric_with_a_target() -> None:
    frame = pl.DataFrame({"policy": ["counterfeit", "spam"], "t.submitted": [40, 10]})
    rows = charts.breakdown_frame(frame, "policy", COUNT, Settings())  # a count without a target
    colour = _status_colour(charts.breakdown_chart(rows, "policy", "Policy", COUNT).to_dict())
    assert colour["legend"] is None
    assert colour["scale"]["domain"] == ["No target"]
    rates = pl.DataFrame({"policy": ["counterfeit", "spam"], "t.overturn_rate": [0.40, 0.30]})
    rows = charts.breakdown_frame(rates, "policy", RATE_DOWN, Settings())  # both above 15 %: off target
    colour = _status_colour(charts.breakdown_chart(rows, "policy", "Policy", RATE_DOWN).to_dict())
    assert colour["scale"]["domain"] == ["Off target"]  # "On target" is not offered when no bar is
    assert colour["legend"] == {"orient": "bottom", "title": None}


def test_trend_pngs_print_the_annotation_texts() -> None:
    # issue 10: a pasted PNG showed the event markers but not what happened
    from ui.sections import event_notes

    events = pl.DataFrame({"day": [dt.date(2026, 10, 19), dt.date(2026, 11, 11)],
                           "text": ["Meridian Bogota: staffing shortfall", "P0 regulator inquiry"],
                           "country_code": ["BR, MX, US", None]})
    assert event_notes(events) == ["▼ 19 Oct: Meridian Bogota: staffing shortfall (BR, MX, US)",
                                   "▼ 11 Nov: P0 regulator inquiry"]
    chart = view_charts.bar_chart(pl.DataFrame({"stage": ["a", "b"], "count": [3, 1]}), "stage", "count")
    plain = exports.png_bytes(chart, scale=1, title="Trend", subtitle=["9-15 Nov 2026"])
    noted = exports.png_bytes(chart, scale=1, title="Trend", subtitle=["9-15 Nov 2026", *event_notes(events)])
    height = lambda png: int.from_bytes(png[20:24], "big")  # noqa: E731 (the PNG header's height field)
    assert height(noted) > height(plain)  # two more lines under the title
