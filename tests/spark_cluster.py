"""A throwaway Spark standalone cluster for tests and benchmarks, all from the pyspark pip package.

One master, two workers (separate JVMs, one core each) and the Thrift server (HiveServer2) as the
cluster's SQL endpoint, every process bound to 127.0.0.1 on free ports, with its warehouse, Derby
metastore, local dirs and logs in one temporary folder. Tables are Parquet files written by Polars
and registered with `CREATE TABLE ... USING parquet LOCATION ...`.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Mapping

import polars as pl

from pg_cluster import free_port

THRIFT_SERVER_CLASS = "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2"
WORKERS = 2
START_TIMEOUT_S = 180.0
STOP_GRACE_S = 15.0
SPARK_TYPES = {"str": "STRING", "timestamp": "TIMESTAMP", "date": "DATE", "int": "BIGINT",
               "float": "DOUBLE", "bool": "BOOLEAN"}
QUIET_LOG4J = """rootLogger.level = warn
rootLogger.appenderRef.file.ref = file
appender.file.type = Console
appender.file.name = file
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
"""


def spark_home() -> Path | None:
    """The Spark distribution inside the pyspark package, if it carries the Thrift server."""
    try:
        import pyspark
    except ImportError:
        return None
    home = Path(pyspark.__file__).parent
    if not list((home / "jars").glob("spark-hive-thriftserver_*.jar")):
        return None
    return home


def java_available() -> bool:
    return shutil.which("java") is not None or bool(os.environ.get("JAVA_HOME"))


@dataclass
class SparkCluster:
    home: Path
    root: Path
    master_port: int = field(default_factory=free_port)
    thrift_port: int = field(default_factory=free_port)
    master_ui_port: int = field(default_factory=free_port)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def master_url(self) -> str:
        return f"spark://127.0.0.1:{self.master_port}"

    def url(self, database: str = "default") -> str:
        """A SQLAlchemy URL (PyHive's hive:// dialect) of a database on the Thrift server."""
        return f"hive://spark@127.0.0.1:{self.thrift_port}/{database}"

    # ---- processes ------------------------------------------------------------------------------

    def environment(self) -> dict[str, str]:
        conf = self.root / "conf"
        conf.mkdir(exist_ok=True)
        (conf / "log4j2.properties").write_text(QUIET_LOG4J)
        env = {key: value for key, value in os.environ.items() if not key.startswith(("PYSPARK_", "SPARK_"))}
        env |= {
            "SPARK_HOME": str(self.home),
            "SPARK_CONF_DIR": str(conf),
            "SPARK_LOCAL_IP": "127.0.0.1",
            "SPARK_LOCAL_DIRS": str(self.root / "local"),
            "SPARK_LOG_DIR": str(self.root / "logs"),
            "SPARK_WORKER_DIR": str(self.root / "work"),
            "HIVE_SERVER2_THRIFT_PORT": str(self.thrift_port),
            "HIVE_SERVER2_THRIFT_BIND_HOST": "127.0.0.1",
            "TZ": "UTC",
        }
        return env

    def _spawn(self, name: str, command: list[str], daemon_memory: str = "256m") -> None:
        log = (self.root / "logs" / f"{name}.log").open("wb")
        # a process group of its own: teardown signals the JVM and anything it started, nothing else
        self.processes[name] = subprocess.Popen(
            command, cwd=self.root, env=self.environment() | {"SPARK_DAEMON_MEMORY": daemon_memory}, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
        log.close()

    def start(self) -> None:
        for folder in ("logs", "local", "work", "warehouse"):
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        spark_class = str(self.home / "bin" / "spark-class")
        self._spawn("master", [spark_class, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                               "--port", str(self.master_port), "--webui-port", str(self.master_ui_port)])
        self._wait(lambda: _port_open(self.master_port), "the master")
        for index in range(WORKERS):
            self._spawn(f"worker{index}", [
                spark_class, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
                "--cores", "1", "--memory", "1g", "--webui-port", str(free_port()),
                "--work-dir", str(self.root / "work" / str(index)), self.master_url,
            ])
        self._wait(lambda: self.alive_workers() >= WORKERS, f"{WORKERS} workers")
        # the launcher sizes the Thrift server's driver by SPARK_DAEMON_MEMORY, not spark.driver.memory
        self._spawn("thriftserver", self.thrift_server_command(), daemon_memory="1g")
        self._wait(self._answers_sql, "the Thrift server")

    def thrift_server_command(self) -> list[str]:
        warehouse = self.root / "warehouse"
        utc = "-Duser.timezone=UTC"
        conf = {
            "spark.driver.host": "127.0.0.1",
            "spark.driver.bindAddress": "127.0.0.1",
            "spark.driver.extraJavaOptions": f"{utc} -Dderby.system.home={self.root}",
            "spark.executor.extraJavaOptions": utc,
            "spark.executor.cores": "1",
            "spark.executor.memory": "768m",
            "spark.cores.max": str(WORKERS),
            "spark.ui.enabled": "false",
            "spark.sql.session.timeZone": "UTC",
            "spark.sql.warehouse.dir": str(warehouse),
            "spark.sql.catalogImplementation": "hive",
            "spark.hadoop.javax.jdo.option.ConnectionURL":
                f"jdbc:derby:;databaseName={self.root / 'metastore_db'};create=true",
            # a few hundred thousand demo rows: 200 shuffle partitions would be 200 tiny tasks per query
            "spark.sql.shuffle.partitions": "4",
        }
        command = [str(self.home / "bin" / "spark-submit"), "--class", THRIFT_SERVER_CLASS,
                   "--master", self.master_url, "--name", "governance-tests-thriftserver"]
        for key, value in conf.items():
            command += ["--conf", f"{key}={value}"]
        return [*command, "spark-internal"]

    def master_state(self) -> dict[str, object]:
        """The master's JSON status page (workers, applications, cores), {} while it is not up."""
        with contextlib.suppress(OSError, ValueError):
            with urllib.request.urlopen(f"http://127.0.0.1:{self.master_ui_port}/json/", timeout=2) as reply:
                return dict(json.load(reply))
        return {}

    def alive_workers(self) -> int:
        return int(self.master_state().get("aliveworkers", 0))  # type: ignore[call-overload]

    def _answers_sql(self) -> bool:
        if not _port_open(self.thrift_port):
            return False
        try:
            with contextlib.closing(self.connect()) as connection:
                cursor = connection.cursor()
                cursor.execute("SELECT 1")
                return cursor.fetchall() == [(1,)]
        except Exception:  # noqa: BLE001 - any failure means "not ready yet"; _wait reports the log
            return False

    def _wait(self, ready: "callable[[], bool]", what: str) -> None:  # type: ignore[valid-type]
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if ready():
                return
            exited = {name: p.returncode for name, p in self.processes.items() if p.poll() is not None}
            if exited:
                raise RuntimeError(f"Spark process exited while waiting for {what}: {exited}\n{self.log_tail()}")
            time.sleep(0.5)
        raise TimeoutError(f"Spark: {what} not ready after {START_TIMEOUT_S:.0f} s\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        tails = []
        for path in sorted((self.root / "logs").glob("*.log")):
            text = path.read_text(errors="replace").splitlines()[-lines:]
            tails.append(f"--- {path.name}\n" + "\n".join(text))
        return "\n".join(tails)

    def stop(self) -> None:
        """SIGTERM every process group (Thrift server first, master last), SIGKILL what hangs."""
        for process in reversed(list(self.processes.values())):
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            if process.poll() is None:
                _signal_group(process, signal.SIGKILL)
                process.wait(timeout=10)
            # the group may outlive its leader (a child the JVM forked): make sure it is gone
            _signal_group(process, signal.SIGKILL)
        self.processes.clear()

    # ---- data -----------------------------------------------------------------------------------

    def connect(self, database: str = "default"):  # type: ignore[no-untyped-def]
        """A raw PyHive connection (for loading tables; the connector opens its own engine)."""
        from pyhive import hive

        return hive.connect(host="127.0.0.1", port=self.thrift_port, username="spark", database=database)

    def load_tables(self, database: str, tables: Mapping[str, pl.DataFrame],
                    columns: Mapping[str, Mapping[str, str]]) -> None:
        """Write each frame as Parquet and register it as `database.table` (replacing it);
        `columns` gives each table's logical column types (the data contract's)."""
        with contextlib.closing(self.connect()) as connection:
            cursor = connection.cursor()
            cursor.execute(f"CREATE DATABASE IF NOT EXISTS {database}")
            for name, frame in tables.items():
                location = self.root / "parquet" / database / name
                shutil.rmtree(location, ignore_errors=True)
                location.mkdir(parents=True)
                as_utc(frame).write_parquet(location / "part-0.parquet")
                self.register(cursor, database, name, location, columns[name])

    @staticmethod
    def register(cursor, database: str, name: str, location: Path,  # type: ignore[no-untyped-def]
                 columns: Mapping[str, str]) -> None:
        """(Re)create `database.name` over the Parquet files at `location` with these columns."""
        ddl = ", ".join(f"`{column}` {SPARK_TYPES[kind]}" for column, kind in columns.items())
        cursor.execute(f"DROP TABLE IF EXISTS {database}.{name}")
        cursor.execute(f"CREATE TABLE {database}.{name} ({ddl}) USING parquet LOCATION '{location}'")

    def table_location(self, database: str, name: str) -> Path:
        return self.root / "parquet" / database / name


def as_utc(frame: pl.DataFrame) -> pl.DataFrame:
    """Naive (UTC) timestamps marked as UTC, so Parquet stores them as instants that Spark's
    TIMESTAMP reads back unchanged in a UTC session."""
    return frame.with_columns(pl.col(pl.Datetime).dt.replace_time_zone("UTC"))


def _port_open(port: int) -> bool:
    import socket

    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
        return True
    return False


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


@contextlib.contextmanager
def throwaway_spark() -> Iterator[SparkCluster]:
    """Start a cluster, yield it; always stop its processes and delete its folder."""
    home = spark_home()
    if home is None:
        raise FileNotFoundError("pyspark with the spark-hive-thriftserver jar is not installed")
    cluster = SparkCluster(home=home, root=Path(tempfile.mkdtemp(prefix="govspark-")))
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(cluster.root, ignore_errors=True)


def on_spark(test):  # type: ignore[no-untyped-def]
    """Mark a test as a Spark test that runs on the xdist worker owning the session's cluster."""
    import pytest

    return pytest.mark.spark(pytest.mark.xdist_group("spark")(test))
