"""Shared fixtures: backends (DuckDB, SQLite, throwaway PostgreSQL, a throwaway Spark cluster)."""

from __future__ import annotations

import os
from typing import Iterator

import pytest
import sqlalchemy as sa

from pg_cluster import postgres_bin_dir, throwaway_postgres
from spark_cluster import SparkCluster, java_available, spark_home, throwaway_spark

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="session", autouse=True)
def state_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One state database per test process (and the servers it starts), never the repo's .state/."""
    url = f"sqlite:///{tmp_path_factory.mktemp('state') / 'state.sqlite'}"
    previous = os.environ.get("GOVERNANCE_STATE_URL")
    os.environ["GOVERNANCE_STATE_URL"] = url
    yield url
    if previous is None:
        os.environ.pop("GOVERNANCE_STATE_URL", None)
    else:
        os.environ["GOVERNANCE_STATE_URL"] = previous


@pytest.fixture(autouse=True)
def app_request_cookies(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """AppTest runs read their request cookies from tests/app_login.py (AppTest has no request)."""
    import app_login

    monkeypatch.setattr("auth.tokens.request_cookies", app_login.fake_request_cookies)
    yield
    app_login.REQUEST_COOKIES.clear()


def require_or_skip(available: bool, what: str) -> None:
    """Skip on a laptop without `what`; under CI=true a missing dependency is a failure."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required when CI=true")
    pytest.skip(f"{what} not available")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A superuser URL on a throwaway cluster that lives for the whole session."""
    require_or_skip(postgres_bin_dir() is not None, "PostgreSQL server (initdb)")
    with throwaway_postgres() as (url, _cluster):
        yield url


@pytest.fixture()
def postgres_database(postgres_server: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, empty database on the session cluster, dropped afterwards."""
    name = "t_" + "".join(ch if ch.isalnum() else "_" for ch in request.node.name.lower())[:50]
    admin = sa.create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield postgres_server.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def pyhive_available() -> bool:
    try:
        import pyhive.hive  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.fixture(scope="session")
def spark_server() -> Iterator[SparkCluster]:
    """A Spark standalone cluster (master, two one-core workers, Thrift server) for the whole session.
    Tests that use it are marked spark and xdist_group("spark"), so one xdist worker owns it."""
    require_or_skip(java_available(), "Java (a JRE for Spark; scripts/system_deps.sh installs it)")
    require_or_skip(spark_home() is not None, "pyspark with the Thrift server jar (requirements-dev.txt)")
    require_or_skip(pyhive_available(), "PyHive (requirements-dev.txt)")
    with throwaway_spark() as cluster:
        yield cluster


@pytest.fixture(scope="session")
def spark_small_demo(spark_server: SparkCluster) -> str:
    """hive:// URL of the small demo data (the same rows as small_demo_url) as Parquet tables on Spark."""
    from connectors.contract import CONTRACT
    from sample_data import build_tables

    spark_server.load_tables("small_demo", build_tables(scale="small"), CONTRACT)
    return spark_server.url("small_demo")


@pytest.fixture(scope="session")
def small_demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The small-scale demo database (default stories) in a DuckDB file, generated once per session."""
    from sample_data import generate

    url = f"duckdb:///{tmp_path_factory.mktemp('demo') / 'small.duckdb'}"
    generate(url, scale="small")
    return url


@pytest.fixture(scope="session")
def small_demo_on_every_backend(tmp_path_factory: pytest.TempPathFactory, postgres_server: str) -> dict[str, str]:
    """backend name -> URL of the small demo data on DuckDB, SQLite and PostgreSQL, generated once per
    session (parity tests share it: mark them xdist_group("parity") so one worker generates it)."""
    from sample_data import generate

    folder = tmp_path_factory.mktemp("every-backend")
    admin = sa.create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("DROP DATABASE IF EXISTS small_demo WITH (FORCE)"))
        conn.execute(sa.text("CREATE DATABASE small_demo"))
    admin.dispose()
    urls = {
        "duckdb": f"duckdb:///{folder / 'small.duckdb'}",
        "sqlite": f"sqlite:///{folder / 'small.sqlite'}",
        "postgresql": postgres_server.rsplit("/", 1)[0] + "/small_demo",
    }
    for url in urls.values():
        generate(url, scale="small")
    return urls


@pytest.fixture(scope="session")
def small_demo(small_demo_url: str):
    """A ScopedAccess (everything in scope) over the small demo database."""
    from connectors.scope import Scope
    from connectors.source import ScopedAccess, open_source

    source = open_source(small_demo_url)
    yield ScopedAccess(source, Scope.everything())
    source.engine.dispose()


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    """Headless Chromium driven by Playwright (the system package; no browser download)."""
    from playwright.sync_api import sync_playwright

    from browser_support import chromium_available, launch_browser

    require_or_skip(chromium_available(), "Chromium (/usr/bin/chromium)")
    with sync_playwright() as playwright:
        chromium = launch_browser(playwright)
        yield chromium
        chromium.close()


@pytest.fixture()
def demo_app_env(monkeypatch: pytest.MonkeyPatch, small_demo_url: str) -> None:
    """The environment an AppTest run of app.py needs: the small demo data, the demo users, a fresh strong
    cookie key, no login delay and no mapping config."""
    import secrets
    from pathlib import Path

    repo = Path(__file__).resolve().parent.parent
    monkeypatch.setenv("GOVERNANCE_DB_URL", small_demo_url)
    monkeypatch.setenv("GOVERNANCE_CREDENTIALS", str(repo / "auth" / "demo_users.yaml"))
    monkeypatch.setenv("GOVERNANCE_COOKIE_KEY", secrets.token_urlsafe(48))
    monkeypatch.setenv("GOVERNANCE_LOGIN_SLEEP_SECONDS", "0")
    monkeypatch.delenv("GOVERNANCE_CONFIG", raising=False)
