"""The one caching boundary between the app and the database.

Engines are cached per (URL, config) with st.cache_resource; query results with st.cache_data and
a TTL. Every cached query's key holds the source, the full spec (which carries every filter) and
the user's effective scope, so two users with different scopes never share a result.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

import polars as pl
import streamlit as st

from connectors.config import is_demo_url, resolve_url
from connectors.scope import Scope
from connectors.source import Source, open_source
from connectors.spec import AggregateSpec, EntityRollupSpec, RecordSpec, TopEntitiesSpec

QUERY_TTL_SECONDS = 600


@st.cache_resource(show_spinner=False)
def get_source(url: str, config_path: str | None) -> Source:
    """One read-only engine (connection pool) per source, shared by all sessions."""
    if is_demo_url(url):
        from sample_data import ensure_demo_database

        ensure_demo_database()
    return open_source(url, config_path)


def current_source(config_path: str | None = None) -> Source:
    return get_source(resolve_url(None), config_path)


@st.cache_data(ttl=QUERY_TTL_SECONDS, show_spinner=False, max_entries=2000)
def _aggregate(url: str, config_path: str | None, scope_key: str, spec: AggregateSpec, _scope: Scope) -> pl.DataFrame:
    return get_source(url, config_path).aggregate(spec, _scope)


@st.cache_data(ttl=QUERY_TTL_SECONDS, show_spinner=False, max_entries=500)
def _records(url: str, config_path: str | None, scope_key: str, spec: RecordSpec, _scope: Scope) -> pl.DataFrame:
    return get_source(url, config_path).records(spec, _scope)


@st.cache_data(ttl=QUERY_TTL_SECONDS, show_spinner=False, max_entries=500)
def _rollup(url: str, config_path: str | None, scope_key: str, spec: EntityRollupSpec, _scope: Scope) -> pl.DataFrame:
    return get_source(url, config_path).entity_rollup(spec, _scope)


@st.cache_data(ttl=QUERY_TTL_SECONDS, show_spinner=False, max_entries=500)
def _top(url: str, config_path: str | None, scope_key: str, spec: TopEntitiesSpec, _scope: Scope) -> pl.DataFrame:
    return get_source(url, config_path).top_entities(spec, _scope)


@st.cache_data(ttl=QUERY_TTL_SECONDS, show_spinner=False)
def latest_event_time(url: str, config_path: str | None) -> dt.datetime | None:
    return get_source(url, config_path).latest_event_time()


@st.cache_data(ttl=QUERY_TTL_SECONDS, show_spinner=False)
def row_counts(url: str, config_path: str | None) -> pl.DataFrame:
    return get_source(url, config_path).row_counts()


@dataclass
class CachedAccess:
    """The DataAccess pages hand to the metric layer: cached, bound to one user's scope.

    It also adds up the time spent in queries during one rerun for the footer.
    """

    url: str
    config_path: str | None
    scope: Scope
    query_seconds: float = field(default=0.0)
    queries: int = field(default=0)

    def _timed(self, function, spec):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return function(self.url, self.config_path, self.scope.cache_key(), spec, self.scope)
        finally:
            self.query_seconds += time.perf_counter() - started
            self.queries += 1

    def aggregate(self, spec: AggregateSpec) -> pl.DataFrame:
        return self._timed(_aggregate, spec)

    def records(self, spec: RecordSpec) -> pl.DataFrame:
        return self._timed(_records, spec)

    def entity_rollup(self, spec: EntityRollupSpec) -> pl.DataFrame:
        return self._timed(_rollup, spec)

    def top_entities(self, spec: TopEntitiesSpec) -> pl.DataFrame:
        return self._timed(_top, spec)
