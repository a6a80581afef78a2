"""A throwaway PostgreSQL cluster for tests: initdb in a temporary folder, 127.0.0.1, a free port."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterator


def postgres_bin_dir() -> Path | None:
    """The newest installed PostgreSQL server binaries, if any."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_server_user(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root; run it as the 'postgres' system user then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[tuple[str, "PgCluster"]]:
    """Start a cluster, yield (SQLAlchemy URL of a superuser, cluster handle); always stop it."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        raise FileNotFoundError("PostgreSQL server binaries (initdb) not found")
    root = Path(tempfile.mkdtemp(prefix="govpg-"))
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(root, user.pw_uid, user.pw_gid)
    cluster = PgCluster(bin_dir=bin_dir, data_dir=root / "data", port=free_port(), socket_dir=root)
    try:
        cluster.init()
        cluster.start()
        yield cluster.url("postgres"), cluster
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


class PgCluster:
    def __init__(self, bin_dir: Path, data_dir: Path, port: int, socket_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.data_dir = data_dir
        self.port = port
        self.socket_dir = socket_dir
        self.log = socket_dir / "server.log"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        subprocess.run(_as_server_user([str(self.bin_dir / args[0]), *args[1:]]), check=True, capture_output=True)

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data_dir), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k {self.socket_dir} -c fsync=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.data_dir), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start")

    def stop(self) -> None:
        if (self.data_dir / "postmaster.pid").exists():
            subprocess.run(
                _as_server_user([str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "immediate", "-w", "stop"]),
                capture_output=True,
            )

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 0.5):
                return
            time.sleep(0.2)
        raise TimeoutError("PostgreSQL did not start")
