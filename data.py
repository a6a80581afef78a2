"""The one caching boundary between the app and the database.

Engines are cached per (URL, config) with st.cache_resource; query results with st.cache_data and
a TTL. Every cached query's key holds the source, the full spec (which carries every filter) and
the user's effective scope, so two users with different scopes never share a result.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping, MutableMapping, TypeVar

import polars as pl
import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from connectors.config import is_demo_url, resolve_url
from connectors.errors import QueryTimeout, SourceUnavailable
from connectors.scope import Scope
from connectors.source import Source, open_source
from state.alerts_store import AlertStore
from state.store import StateStore, open_store, state_url
from connectors.spec import AggregateSpec, EntityRollupSpec, RecordSpec, TopEntitiesSpec

if TYPE_CHECKING:
    from state.views_store import ViewsStore

QUERY_TTL_SECONDS = int(os.environ.get("GOVERNANCE_CACHE_TTL_SECONDS", "600"))
SESSION_MEMORY_ENTRIES = int(os.environ.get("GOVERNANCE_SESSION_MEMORY_ENTRIES", "300"))
PARALLEL_LOADS = 2  # DuckDB runs one query while Python compiles the next or post-processes a result
K = TypeVar("K")
T = TypeVar("T")


@st.cache_resource(show_spinner=False)
def get_source(url: str, config_path: str | None) -> Source:
    """One read-only engine (connection pool) per source, shared by all sessions."""
    if is_demo_url(url):
        from sample_data import ensure_demo_database

        ensure_demo_database()
    return open_source(url, config_path)


@st.cache_resource(show_spinner=False)
def get_state_store(url: str) -> StateStore:
    """The app's own state database (migrated on first use), one engine per URL for all sessions.

    An unreachable database raises StateUnavailable and is not cached: the next rerun tries again."""
    return open_store(url)


def row_counts_in_scope(access: "CachedAccess") -> pl.DataFrame:
    """Rows per contract table that holds market data, counted in the access's markets only (a
    regional user's Data source page); tables without a market column are left out."""
    from connectors.contract import CONTRACT
    from connectors.spec import Count

    counts = [
        {"table": table, "rows": int(access.aggregate(AggregateSpec(table, (), (Count("rows"),)))["rows"].sum())}
        for table, columns in CONTRACT.items() if "country_code" in columns
    ]
    return pl.DataFrame(counts, schema={"table": pl.String, "rows": pl.Int64})


EXPORT_ALL_CAP = int(os.environ.get("GOVERNANCE_EXPORT_ROW_CAP", "1000000"))


class RecordingAccess:
    """A DataAccess that remembers the records spec a drill-down asks for (and answers it with one
    row), so the same drill-down can then be streamed in full."""

    def __init__(self, inner: "CachedAccess") -> None:
        self.inner = inner
        self.specs: list[RecordSpec] = []

    def records(self, spec: RecordSpec) -> pl.DataFrame:
        self.specs.append(spec)
        return self.inner.records(replace(spec, limit=1))

    def __getattr__(self, name: str) -> Any:  # aggregates (e.g. a region's markets) go to the real access
        return getattr(self.inner, name)


class ChunkAccess(RecordingAccess):
    """A DataAccess whose records() answers with one already streamed chunk."""

    def __init__(self, inner: "CachedAccess", chunk: pl.DataFrame) -> None:
        super().__init__(inner)
        self.chunk = chunk

    def records(self, spec: RecordSpec) -> pl.DataFrame:
        return self.chunk


def all_records(access: "CachedAccess", drilldown: Callable[[Any], pl.DataFrame],
                cap: int = EXPORT_ALL_CAP, chunk_rows: int = 50_000) -> Iterator[pl.DataFrame]:
    """Every record a drill-down shows the first rows of, within the access's scope, up to `cap`,
    as chunks each passed through the drill-down (its derived columns); never one frame of all."""
    recorder = RecordingAccess(access)
    drilldown(recorder)
    (spec,) = recorder.specs
    source = get_source(access.url, access.config_path)
    for chunk in source.stream_records(replace(spec, limit=cap), access.scope, chunk_rows):
        yield drilldown(ChunkAccess(access, chunk))


AUDIT_ROWS = 10_000


def audit_events(start: dt.datetime, end: dt.datetime) -> pl.DataFrame:
    """The audit log between two UTC times, newest first, uncached (an audit page shows it live)."""
    return get_state_store(state_url()).audit_events(start, end, limit=AUDIT_ROWS)


def alert_store() -> AlertStore:
    """Alert state, history and deliveries, uncached (the Alerts page shows them live)."""
    return AlertStore(get_state_store(state_url()))


@st.cache_data(ttl=QUERY_TTL_SECONDS, show_spinner=False, max_entries=2000)
def _aggregate(
    url: str, config_path: str | None, scope_key: str, spec_key: str, _spec: AggregateSpec, _scope: Scope
) -> pl.DataFrame:
    return get_source(url, config_path).aggregate(_spec, _scope)


@st.cache_data(ttl=QUERY_TTL_SECONDS, show_spinner=False, max_entries=500)
def _records(
    url: str, config_path: str | None, scope_key: str, spec_key: str, _spec: RecordSpec, _scope: Scope
) -> pl.DataFrame:
    return get_source(url, config_path).records(_spec, _scope)


@st.cache_data(ttl=QUERY_TTL_SECONDS, show_spinner=False, max_entries=500)
def _rollup(
    url: str, config_path: str | None, scope_key: str, spec_key: str, _spec: EntityRollupSpec, _scope: Scope
) -> pl.DataFrame:
    return get_source(url, config_path).entity_rollup(_spec, _scope)


@st.cache_data(ttl=QUERY_TTL_SECONDS, show_spinner=False, max_entries=500)
def _top(
    url: str, config_path: str | None, scope_key: str, spec_key: str, _spec: TopEntitiesSpec, _scope: Scope
) -> pl.DataFrame:
    return get_source(url, config_path).top_entities(_spec, _scope)


@st.cache_data(ttl=QUERY_TTL_SECONDS, show_spinner=False)
def _latest_event_time(
    url: str, config_path: str | None, scope_key: str, spec_key: str, _spec: None, _scope: Scope
) -> dt.datetime | None:
    return get_source(url, config_path).latest_event_time(_scope)


@st.cache_data(ttl=QUERY_TTL_SECONDS, show_spinner=False)
def row_counts(url: str, config_path: str | None) -> pl.DataFrame:
    return get_source(url, config_path).row_counts()


def spec_key(spec: object) -> str:
    """The cache key of a spec: its repr, which names every field (filters included) recursively.

    Streamlit would otherwise hash the frozen dataclass by pickling it, about 30x slower.
    """
    return repr(spec)


@dataclass(frozen=True)
class StaleNotice:
    """A result served from this session's last good copy because the source failed."""

    error: str
    as_of: dt.datetime


class LastGoodResults(OrderedDict):
    """A session's last good result per query, the least recently used dropped beyond `limit`.

    Each filter change adds entries, so without a bound a long-lived session would hold every
    result it ever saw (issue 9's soak run)."""

    def __init__(self, limit: int = SESSION_MEMORY_ENTRIES) -> None:
        super().__init__()
        self.limit = limit

    def __getitem__(self, key: Any) -> tuple[dt.datetime, pl.DataFrame]:
        value = super().__getitem__(key)
        self.move_to_end(key)
        return value

    def __setitem__(self, key: Any, value: tuple[dt.datetime, pl.DataFrame]) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self.limit:
            self.popitem(last=False)


def session_memory() -> MutableMapping[Any, tuple[dt.datetime, pl.DataFrame]]:
    """This session's last good results (per user, never shared across sessions), bounded."""
    memory = st.session_state.get("_last_good_results")
    if not isinstance(memory, LastGoodResults):
        memory = st.session_state["_last_good_results"] = LastGoodResults()
    return memory


@dataclass
class CachedAccess:
    """The DataAccess pages hand to the metric layer: cached, bound to one user's scope.

    It adds up the time spent in queries during one rerun for the footer, and when the source is
    unreachable or times out it serves this session's last good result for the same query,
    recording a StaleNotice so the page can say so. Once the source is unreachable, the rest of
    the rerun does not try it again (each try can wait for the connect timeout); the next rerun does.
    """

    url: str
    config_path: str | None
    scope: Scope
    memory: MutableMapping[Any, tuple[dt.datetime, pl.DataFrame]] | None = None
    query_seconds: float = field(default=0.0)
    queries: int = field(default=0)
    stale: list[StaleNotice] = field(default_factory=list)
    unavailable: SourceUnavailable | None = field(default=None)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def _timed(self, function, spec):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        memory_key = (function.__name__, self.url, self.config_path, self.scope.cache_key(), spec)
        try:
            if self.unavailable is not None:
                raise SourceUnavailable(str(self.unavailable))
            result = function(self.url, self.config_path, self.scope.cache_key(), spec_key(spec), spec, self.scope)
        except (SourceUnavailable, QueryTimeout) as error:
            with self._lock:  # loads_in_parallel threads share this rerun's state and the session's memory
                if isinstance(error, SourceUnavailable):
                    self.unavailable = error
                if self.memory is None or memory_key not in self.memory:
                    raise
                as_of, result = self.memory[memory_key]
                self.stale.append(StaleNotice(str(error), as_of))
            return result
        finally:
            with self._lock:
                self.query_seconds += time.perf_counter() - started
                self.queries += 1
        if self.memory is not None:
            with self._lock:
                self.memory[memory_key] = (dt.datetime.now(dt.timezone.utc).replace(tzinfo=None), result)
        return result

    def aggregate(self, spec: AggregateSpec) -> pl.DataFrame:
        return self._timed(_aggregate, spec)

    def records(self, spec: RecordSpec) -> pl.DataFrame:
        return self._timed(_records, spec)

    def entity_rollup(self, spec: EntityRollupSpec) -> pl.DataFrame:
        return self._timed(_rollup, spec)

    def top_entities(self, spec: TopEntitiesSpec) -> pl.DataFrame:
        return self._timed(_top, spec)

    def latest_event_time(self) -> dt.datetime | None:
        """The newest event in the source ("data as of")."""
        return self._timed(_latest_event_time, None)


def loads_in_parallel(loads: Mapping[K, Callable[[], T]]) -> dict[K, Future[T]]:
    """Start independent loads (each a chain of cached queries plus its Polars work) on
    PARALLEL_LOADS threads of this rerun; the page takes each `.result()` (re-raising its error)
    in its own order."""
    context = get_script_run_ctx()

    def attached(load: Callable[[], T]) -> T:
        if context is not None:
            add_script_run_ctx(threading.current_thread(), context)
        return load()

    pool = ThreadPoolExecutor(PARALLEL_LOADS, thread_name_prefix="loads")
    futures = {key: pool.submit(attached, load) for key, load in loads.items()}
    pool.shutdown(wait=False)  # the threads end with their last load
    return futures


class _StaleReview(Exception):
    """A review built from stale results: returned to the page, never cached."""

    def __init__(self, review: Any) -> None:
        super().__init__("built from stale results")
        self.review = review


@st.cache_data(ttl=QUERY_TTL_SECONDS, show_spinner=False, max_entries=200)
def _review(
    url: str, config_path: str | None, scope_key: str, request_key: str, settings_key: str,
    _access: CachedAccess, _request: Any, _settings: Any,
) -> Any:
    from metrics.review import build_review

    stale_before = len(_access.stale)
    review = build_review(_access, _request, _settings)
    if len(_access.stale) > stale_before:
        raise _StaleReview(review)
    return review


def cached_review(access: CachedAccess, request: Any, settings: Any) -> Any:
    """The weekly review (metrics.review.build_review), cached per source, scope, request and settings.

    Its queries are cached already; this also keeps the driver analysis of a revisit (0.5-1.2 s on
    the demo database for 28-90 days) from running again.
    """
    try:
        review = _review(access.url, access.config_path, access.scope.cache_key(), repr(request), repr(settings),
                         access, request, settings)
    except _StaleReview as stale:
        review = stale.review
    return with_team_annotations(review, access.scope)


def with_team_annotations(review: Any, scope: Scope) -> Any:
    """The review with the team's annotations (read live, not cached) beside the source's."""
    from metrics.base import one_row_per_event
    from state.store import StateUnavailable

    window = review.request.window
    try:
        team = team_annotations(scope, window.start, window.end, review.request.countries)
    except StateUnavailable:
        return review
    if team.is_empty():
        return review
    columns = ["day", "country_code", "domain", "text"]
    source = review.annotations.select(pl.col("day").cast(pl.Date), *[pl.col(c).cast(pl.String) for c in columns[1:]])
    combined = pl.concat([source, team.sort("day", "text", "country_code").pipe(one_row_per_event)]).sort("day")
    return replace(review, annotations=combined)


@st.cache_data(ttl=QUERY_TTL_SECONDS, show_spinner=False, max_entries=200)
def _plan_baseline(
    url: str, config_path: str | None, scope_key: str, request_key: str, _access: CachedAccess, _request: Any,
) -> Any:
    from metrics.planner.baseline import measure_baseline

    stale_before = len(_access.stale)
    baseline = measure_baseline(_access, _request)
    if len(_access.stale) > stale_before:
        raise _StaleReview(baseline)  # built from stale results: returned, never cached
    return baseline


def cached_plan_baseline(access: CachedAccess, request: Any) -> Any:
    """The mix planner's measured baseline (metrics.planner.baseline), cached per source, scope and request,
    so an edited scenario is pure Polars over it."""
    try:
        return _plan_baseline(access.url, access.config_path, access.scope.cache_key(), repr(request), access, request)
    except _StaleReview as stale:
        return stale.review

@st.cache_data(ttl=QUERY_TTL_SECONDS, show_spinner=False)
def tables_present(url: str, config_path: str | None, tables: tuple[str, ...]) -> bool:
    """Whether every one of these (optional) contract tables exists in the source, e.g. the dsa_* tables."""
    source = get_source(url, config_path)
    return all(source.has_table(source.builder.table(name)) for name in tables)


def views_store() -> "ViewsStore":
    """Saved views and team annotations, on the shared state-database engine (uncached reads: a
    view saved or an annotation added shows on the next rerun)."""
    from state.views_store import ViewsStore

    return ViewsStore(get_state_store(state_url()))


def team_annotations(scope: Scope, start: dt.date, end: dt.date, countries: tuple[str, ...] | None) -> pl.DataFrame:
    """Team annotations in the scope and the requested markets: day, country_code, domain, text."""
    return views_store().annotations(scope, start, end, countries).select("day", "country_code", "domain", "text")


def dashboard_users() -> dict[str, Any]:
    """The users of the credentials file in use (username -> auth.users.User), read fresh."""
    from auth.users import credentials_path, load_users, user_record

    path = credentials_path(is_demo_url(resolve_url(None)))
    if path is None or not path.is_file():
        return {}
    credentials = load_users(path)
    return {name: user_record(credentials, name) for name in credentials.get("usernames") or {}}
