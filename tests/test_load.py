"""The real server under concurrent logged-in sessions (issue 9): it keeps answering, and a lost
database under load is a banner and the last good result, never a hang.

Both tests start `streamlit run app.py` on 127.0.0.1 (benchmarks/load_driver.py) and stop it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from pathlib import Path
from typing import Iterator

import pytest

from benchmarks.load import data_end
from benchmarks.load_driver import DATA_PAGES, LevelReport, PageRun, Tab, health_ok, random_visit, run_level, running_server
from conftest import require_or_skip
from pg_cluster import PgCluster, postgres_bin_dir, throwaway_postgres



@pytest.mark.xdist_group("load")
def test_twenty_concurrent_sessions_get_every_page_and_the_server_stays_healthy(tmp_path: Path) -> None:
    """Before the fix, ten sessions deadlocked the server within seconds: every page timed out
    and /_stcore/health stopped answering."""
    end = data_end(None)  # generates the demo database on first use
    with running_server(None, tmp_path / "server.log") as server:
        report: LevelReport = asyncio.run(run_level(
            server.base, server.cookie_key, sessions=20, seconds=40, data_end=end,
            pid=server.process.pid, timeout=90, think=(0.5, 2.0), seed=9,
        ))
        healthy_after = health_ok(server.base)
        log = server.log.read_text()
    assert report.errors == [], [(r.visit, r.error) for r in report.errors[:5]]
    assert len(report.finished) >= 20, "every session finished at least one page"
    assert {r.visit.page for r in report.results} == set(DATA_PAGES)  # all five data pages were exercised
    assert report.health_failures == 0
    assert healthy_after
    assert "Traceback" not in log, log[-3000:]


# ---- the database stops while ten sessions are active ----------------------------------------------------


@pytest.fixture(scope="module")
def postgres_with_demo() -> Iterator[tuple[str, PgCluster]]:
    require_or_skip(postgres_bin_dir() is not None, "PostgreSQL server (initdb)")
    import sqlalchemy as sa

    from sample_data import generate

    with throwaway_postgres() as (server_url, cluster):
        admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text('CREATE DATABASE "governance"'))
        admin.dispose()
        url = server_url.rsplit("/", 1)[0] + "/governance"
        generate(url, scale="small")
        yield url, cluster
        if not (cluster.data_dir / "postmaster.pid").exists():
            cluster.start()


async def run_all(tabs: list[Tab], visits: list, timeout: float) -> list[PageRun]:  # type: ignore[type-arg]
    async with asyncio.timeout(timeout):  # a hang fails the test instead of stalling it
        return list(await asyncio.gather(*(tab.run(visit) for tab, visit in zip(tabs, visits))))


async def fault_scenario(base: str, key: str, end: dt.date, cluster: PgCluster) -> dict[str, list[PageRun]]:
    rng = random.Random(11)
    visits = [random_visit(rng, end) for _ in range(10)]
    tabs = [Tab(base, key, visit.username) for visit in visits]
    runs: dict[str, list[PageRun]] = {}
    for tab in tabs:
        await tab.__aenter__()
    try:
        runs["healthy"] = await run_all(tabs, visits, 120)
        await asyncio.sleep(2.5)  # past the cache TTL of this server: the next runs go to the database
        in_flight = asyncio.ensure_future(run_all(tabs, visits, 120))
        await asyncio.sleep(0.3)
        await asyncio.to_thread(cluster.stop)  # while those ten runs are in flight
        runs["stopping"] = await in_flight
        await asyncio.sleep(2.5)
        runs["down"] = await run_all(tabs, visits, 120)
        await asyncio.to_thread(cluster.start)
        await asyncio.sleep(2.5)
        runs["back"] = await run_all(tabs, visits, 120)
    finally:
        for tab in tabs:
            await tab.__aexit__()
    return runs


@pytest.mark.xdist_group("load")
def test_database_lost_under_load_shows_banner_and_last_good_result_then_recovers(
    postgres_with_demo: tuple[str, PgCluster], tmp_path: Path
) -> None:
    url, cluster = postgres_with_demo
    end = data_end(url)
    with running_server(url, tmp_path / "server.log", env={"GOVERNANCE_CACHE_TTL_SECONDS": "2"}) as server:
        runs = asyncio.run(fault_scenario(server.base, server.cookie_key, end, cluster))
        assert health_ok(server.base)
    for run in runs["healthy"] + runs["back"]:
        assert (run.status, run.exceptions, run.errors) == ("FINISHED_SUCCESSFULLY", [], [])
        assert not any("last good result" in text for text in run.warnings)
    for run in runs["stopping"]:  # finished, whatever moment the database went away
        assert (run.status, run.exceptions) == ("FINISHED_SUCCESSFULLY", [])
    for run in runs["down"]:
        assert (run.status, run.exceptions) == ("FINISHED_SUCCESSFULLY", [])
        assert run.errors and all("data source is not available" in text for text in run.errors), run.errors
        assert any("Showing the last good result" in text for text in run.warnings), run.warnings
        assert run.seconds < 30  # the connect timeout once per rerun, not per query
