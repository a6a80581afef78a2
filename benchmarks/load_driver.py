"""Concurrent logged-in sessions against a running server, over Streamlit's own websocket protocol.

Each visit is what a browser tab does: open the websocket with the login cookie, ask for one page
with its URL query string (filters bound to the URL), and wait for the script run to finish. A
visit fails when the run shows an exception or an error alert, when the connection breaks, or when
it does not finish within its timeout. Used by benchmarks/load.py and tests/test_load.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

REPO = Path(__file__).resolve().parent.parent
COOKIE_NAME = "governance_auth"  # auth.tokens.COOKIE_NAME
DATA_PAGES = ("overview", "appeals", "vendors", "creators", "escalations")
DEMO_USERS = ("admin", "viewer", "sea", "europe")
DEMO_MARKETS = {
    "admin": ("DE", "GB", "US", "BR", "JP", "ID", "IN", "MX"),
    "viewer": ("FR", "ES", "IT", "SA", "AE", "TR", "KR", "AU"),
    "sea": ("ID", "MY", "TH", "VN", "PH", "SG"),
    "europe": ("GB", "DE", "FR", "ES", "IT", "IE"),
}
ERROR_ALERT_FORMAT, WARNING_ALERT_FORMAT = 1, 2  # Alert.Format in streamlit/proto/Alert.proto


def login_cookie(username: str, key: str) -> str:
    """The cookie a browser holds after logging in: a signed JWT whose token id the server's state
    database recorded (the server refuses any other). The server started here shares this process's
    state database ($GOVERNANCE_STATE_URL, else the default file)."""
    from auth.tokens import new_login_token
    from state.store import open_store

    store = open_store()
    try:
        return new_login_token(store, username, key)[0]
    finally:
        store.engine.dispose()


@dataclass(frozen=True)
class Visit:
    username: str
    page: str
    query_string: str


@dataclass(frozen=True)
class VisitResult:
    visit: Visit
    seconds: float
    error: str | None


def random_visit(rng: random.Random, data_end: dt.date) -> Visit:
    """A random page with its own custom date range and market, so its queries miss the cache."""
    username = rng.choice(DEMO_USERS)
    end = data_end - dt.timedelta(days=rng.randrange(0, 120))
    start = end - dt.timedelta(days=rng.randrange(6, 60))
    query = {"range": "Custom range", "start": start.isoformat(), "end": end.isoformat()}
    if rng.random() < 0.6:
        query["countries"] = rng.choice(DEMO_MARKETS[username])
    return Visit(username, rng.choice(DATA_PAGES), urllib.parse.urlencode(query))


def _rerun_message(visit: Visit) -> bytes:
    message = BackMsg()
    message.rerun_script.query_string = visit.query_string
    message.rerun_script.page_name = visit.page
    return message.SerializeToString()


@dataclass
class PageRun:
    """What one script run drew: its alerts by kind, exceptions, and how it ended."""

    seconds: float
    errors: list[str] = field(default_factory=list)  # st.error bodies
    warnings: list[str] = field(default_factory=list)  # st.warning bodies
    exceptions: list[str] = field(default_factory=list)
    stack_frames: list[str] = field(default_factory=list)  # what exceptions sent of the server's code
    markdown: list[str] = field(default_factory=list)  # st.markdown / st.caption bodies
    metrics: int = 0  # st.metric cards drawn
    deferred_files: list[str] = field(default_factory=list)  # file ids of deferred download buttons
    session_id: str = ""  # as the server's new_session message names it
    status: str = "not finished"

    @property
    def problem(self) -> str | None:
        if self.exceptions:
            return f"exception: {self.exceptions[0]}"[:300]
        if self.errors:
            return f"error: {self.errors[0]}"[:300]
        return None if self.status == "FINISHED_SUCCESSFULLY" else self.status


def _record(message: ForwardMsg, run: PageRun) -> None:
    if message.WhichOneof("type") == "new_session":
        run.session_id = message.new_session.initialize.session_id
    if message.WhichOneof("type") != "delta" or message.delta.WhichOneof("type") != "new_element":
        return
    element = message.delta.new_element
    kind = element.WhichOneof("type")
    if kind == "markdown":
        run.markdown.append(element.markdown.body)
    elif kind == "metric":
        run.metrics += 1
    elif kind == "download_button" and element.download_button.deferred_file_id:
        run.deferred_files.append(element.download_button.deferred_file_id)
    elif kind == "exception":
        run.exceptions.append(f"{element.exception.type}: {element.exception.message}")
        run.stack_frames.extend(element.exception.stack_trace)
    elif kind == "alert" and element.alert.format == ERROR_ALERT_FORMAT:
        run.errors.append(element.alert.body)
    elif kind == "alert" and element.alert.format == WARNING_ALERT_FORMAT:
        run.warnings.append(element.alert.body)


class Tab:
    """One browser tab: a logged-in websocket session that runs pages one after another (its
    session state, such as the last good results, lives as long as the tab)."""

    def __init__(self, base: str, cookie_key: str, username: str) -> None:
        self.url = base.replace("http://", "ws://") + "/_stcore/stream"
        self.headers = {"Cookie": f"{COOKIE_NAME}={login_cookie(username, cookie_key)}", "Origin": base}
        self.subprotocols = ["streamlit"]
        self.session_id = ""
        self.socket = None

    @classmethod
    def anonymous(cls, base: str) -> "Tab":
        """A client with no login cookie, as a browser before the login form."""
        return cls.reconnecting(base, "")

    @classmethod
    def reconnecting(cls, base: str, session_id: str) -> "Tab":
        """A client with no cookie that asks to take over an existing session by its id (the
        websocket subprotocol list carries it, as a browser's reconnect does)."""
        tab = cls.__new__(cls)
        tab.url = base.replace("http://", "ws://") + "/_stcore/stream"
        tab.headers = {"Origin": base}
        tab.subprotocols = ["streamlit", "x", session_id] if session_id else ["streamlit"]
        tab.session_id = ""
        tab.socket = None
        return tab

    async def __aenter__(self) -> "Tab":
        self.socket = await websockets.connect(self.url, subprotocols=self.subprotocols,
                                               additional_headers=self.headers, max_size=None)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self.socket is not None:
            await self.socket.close()

    async def run(self, visit: Visit) -> PageRun:
        """Ask for the page and wait for the end of its run (component reruns included)."""
        started = time.perf_counter()
        run = PageRun(0.0)
        await self.socket.send(_rerun_message(visit))  # type: ignore[union-attr]
        async for raw in self.socket:  # type: ignore[union-attr]
            message = ForwardMsg()
            message.ParseFromString(raw)
            _record(message, run)
            if message.WhichOneof("type") == "script_finished":
                if message.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue  # a component asked for a rerun: the page is not finished yet
                run.status = ForwardMsg.ScriptFinishedStatus.Name(message.script_finished)
                break
        else:
            run.status = "connection closed before the end of the run"
        self.session_id = run.session_id or self.session_id
        run.seconds = time.perf_counter() - started
        return run

    async def request_deferred_file(self, file_id: str) -> tuple[str, str]:
        """Ask the server to build a deferred download, as a click does: returns (url, error)."""
        message = BackMsg()
        request_id = secrets.token_hex(8)
        message.backend_operation_request.request_id = request_id
        message.backend_operation_request.session_id = self.session_id  # the server checks it is ours
        message.backend_operation_request.deferred_file.file_id = file_id
        await self.socket.send(message.SerializeToString())  # type: ignore[union-attr]
        async for raw in self.socket:  # type: ignore[union-attr]
            reply = ForwardMsg()
            reply.ParseFromString(raw)
            response = reply.backend_operation_response
            if reply.WhichOneof("type") == "backend_operation_response" and response.request_id == request_id:
                return response.deferred_file.url, response.error_msg
        return "", "connection closed"


async def open_page(base: str, cookie_key: str, visit: Visit, timeout: float) -> VisitResult:
    """A new tab that opens one page: connect, run the page, wait for the end of the run (or fail)."""
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            async with Tab(base, cookie_key, visit.username) as tab:
                run = await tab.run(visit)
                return VisitResult(visit, time.perf_counter() - started, run.problem)
    except TimeoutError:
        return VisitResult(visit, time.perf_counter() - started, f"timeout after {timeout:.0f} s")
    except (OSError, websockets.WebSocketException) as error:
        return VisitResult(visit, time.perf_counter() - started, f"connection: {error!r}"[:300])


@dataclass
class LevelReport:
    sessions: int
    seconds: float
    results: list[VisitResult] = field(default_factory=list)
    health_failures: int = 0
    peak_rss_mb: float | None = None
    rss_curve: list[tuple[float, float]] = field(default_factory=list)  # (seconds since start, MB)

    @property
    def finished(self) -> list[float]:
        return [r.seconds for r in self.results if r.error is None]

    @property
    def errors(self) -> list[VisitResult]:
        return [r for r in self.results if r.error is not None]

    def percentile(self, q: float) -> float | None:
        times = sorted(self.finished)
        if not times:
            return None
        if len(times) == 1:
            return times[0]
        return statistics.quantiles(times, n=100, method="inclusive")[int(q) - 1]

    def row(self) -> dict[str, object]:
        p50, p95 = self.percentile(50), self.percentile(95)
        return {
            "sessions": self.sessions,
            "pages": len(self.finished),
            "errors": len(self.errors),
            "p50_s": None if p50 is None else round(p50, 2),
            "p95_s": None if p95 is None else round(p95, 2),
            "pages_per_s": round(len(self.finished) / self.seconds, 2),
            "health_failures": self.health_failures,
            "peak_rss_mb": self.peak_rss_mb,
        }


def health_ok(base: str, timeout: float = 5.0) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def rss_mb(pid: int, field: str = "VmRSS") -> float | None:
    """The process's resident memory now (VmRSS) or at its peak (VmHWM), in MB; None when unknown."""
    status = Path(f"/proc/{pid}/status")
    if not status.is_file():
        return None
    for line in status.read_text().splitlines():
        if line.startswith(f"{field}:"):
            return round(int(line.split()[1]) / 1024, 1)
    return None


async def _session_loop(base: str, key: str, rng: random.Random, data_end: dt.date, until: float,
                        timeout: float, think: tuple[float, float], results: list[VisitResult]) -> None:
    """One user: open a page, read it for a random think time, open the next, until the time is up."""
    await asyncio.sleep(rng.uniform(0, think[1]))  # users do not all click at the same instant
    while time.monotonic() < until:
        result = await open_page(base, key, random_visit(rng, data_end), timeout)
        results.append(result)
        if result.error and result.error.startswith("timeout"):
            return  # a hung server would only stack up more timeouts
        await asyncio.sleep(rng.uniform(*think))


async def _watch(base: str, pid: int | None, report: LevelReport, stop: asyncio.Event, rss_every: float) -> None:
    """Every second: is /_stcore/health answering; every `rss_every` s, the server's memory."""
    started = last_sample = time.monotonic()
    while not stop.is_set():
        if not await asyncio.to_thread(health_ok, base):
            report.health_failures += 1
        if pid is not None and (peak := rss_mb(pid, "VmHWM")) is not None:
            report.peak_rss_mb = peak
            if time.monotonic() - last_sample >= rss_every or not report.rss_curve:
                last_sample = time.monotonic()
                report.rss_curve.append((round(last_sample - started, 1), rss_mb(pid) or 0.0))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)


async def run_level(base: str, key: str, sessions: int, seconds: float, data_end: dt.date, *,
                    pid: int | None = None, timeout: float = 60.0, think: tuple[float, float] = (5.0, 15.0),
                    seed: int = 0, rss_every: float = 30.0) -> LevelReport:
    """`sessions` concurrent users for `seconds` (each finishes the page it has open)."""
    report = LevelReport(sessions, seconds)
    stop = asyncio.Event()
    watcher = asyncio.create_task(_watch(base, pid, report, stop, rss_every))
    until = time.monotonic() + seconds
    started = time.monotonic()
    await asyncio.gather(*[
        _session_loop(base, key, random.Random(seed * 1000 + n), data_end, until, timeout, think, report.results)
        for n in range(sessions)
    ])
    report.seconds = time.monotonic() - started
    stop.set()
    await watcher
    return report


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    base: str
    process: subprocess.Popen
    cookie_key: str
    log: Path


@contextlib.contextmanager
def running_server(db_url: str | None, log: Path, env: dict[str, str] | None = None,
                   startup_timeout: float = 90.0, cookie_key: str | None = None,
                   script: Path = REPO / "app.py", options: Sequence[str] = ()) -> Iterator[Server]:
    """`streamlit run app.py` on 127.0.0.1 and a free port with the demo users and the project's
    .streamlit/config.toml; stopped (SIGKILL if it hangs) on exit. db_url None is the embedded demo
    database; `script` and `options` (extra command-line settings) are for tests of the config."""
    key = cookie_key or secrets.token_urlsafe(48)
    port = free_port()
    environment = dict(os.environ)
    environment.pop("GOVERNANCE_DB_URL", None)
    environment.update(GOVERNANCE_CREDENTIALS=str(REPO / "auth" / "demo_users.yaml"), GOVERNANCE_COOKIE_KEY=key,
                       GOVERNANCE_LOGIN_SLEEP_SECONDS="0", **(env or {}))
    if db_url:
        environment["GOVERNANCE_DB_URL"] = db_url
    command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
               "--server.address", "127.0.0.1", "--server.port", str(port),
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none", *options]
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=REPO, env=environment, stdout=output, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", process, key, log)
    try:
        deadline = time.monotonic() + startup_timeout
        while not health_ok(server.base, timeout=2):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # a hung server ignores SIGTERM
            process.kill()
            process.wait(timeout=10)
