"""The benchmark datasets: demo data at a given number of moderation cases, in DuckDB and PostgreSQL.

DuckDB files are written under benchmarks/data/ and reused while the generator code and the
parameters are unchanged; PostgreSQL databases bench_<size> get the same rows by COPY.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Iterator

REPO = Path(__file__).resolve().parent.parent
DATA_DIR = REPO / "benchmarks" / "data"
SEED = 7
DAYS = 180
CALIBRATION_SCALE = 0.05


def parse_sizes(text: str) -> list[tuple[str, int]]:
    """'1M,10M' -> [('1M', 1_000_000), ('10M', 10_000_000)]; k and M suffixes."""
    sizes = []
    for item in (part.strip() for part in text.split(",") if part.strip()):
        factor = {"k": 1_000, "K": 1_000, "M": 1_000_000}.get(item[-1], 1)
        number = float(item[:-1]) if factor != 1 else float(item)
        sizes.append((item, int(number * factor)))
    return sizes


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def cases_per_unit_scale() -> float:
    """Moderation cases the generator makes per unit of `scale` (measured on a small build)."""
    from sample_data import build_tables

    tables = build_tables(seed=SEED, days=DAYS, scale=CALIBRATION_SCALE)
    return tables["moderation_cases"].height / CALIBRATION_SCALE


def generator_fingerprint() -> str:
    """A hash of the generator's code and the data contract: a changed generator means new data."""
    digest = hashlib.sha256()
    for path in sorted([*(REPO / "sample_data").glob("*.py"), REPO / "connectors" / "contract.py"]):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def generator_parameters(label: str, cases: int, per_unit: float) -> dict[str, Any]:
    return {
        "seed": SEED, "days": DAYS, "end": None, "scale": round(cases / per_unit, 6), "target_cases": cases,
        "label": label, "generator": generator_fingerprint(),
    }


def ensure_duckdb(label: str, cases: int, per_unit: float) -> dict[str, Any]:
    """The DuckDB file of one size, generated unless present with the same parameters."""
    from sample_data import generate

    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / f"governance_{label}.duckdb"
    meta_path = path.with_suffix(".json")
    params = generator_parameters(label, cases, per_unit)
    if path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("parameters") == params:
            say(f"reusing {path.name} ({meta['counts']['moderation_cases']:,} moderation cases)")
            return {"path": str(path), "url": f"duckdb:///{path}", "counts": meta["counts"], "parameters": params}
    say(f"generating {path.name}: scale {params['scale']} (~{cases:,} moderation cases)")
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    started = time.perf_counter()
    counts = generate(f"duckdb:///{tmp}", seed=SEED, days=DAYS, scale=params["scale"])
    os.replace(tmp, path)
    Path(f"{tmp}.wal").unlink(missing_ok=True)
    meta = {"parameters": params, "counts": counts, "generated_seconds": round(time.perf_counter() - started, 1)}
    meta_path.write_text(json.dumps(meta, indent=2))
    say(f"generated {path.name} in {meta['generated_seconds']} s")
    return {"path": str(path), "url": f"duckdb:///{path}", "counts": counts, "parameters": params}


def ensure_postgres(server_url: str, label: str, duckdb_data: dict[str, Any]) -> dict[str, Any]:
    """The same rows as the DuckDB file, in database bench_<label> (reused when the counts match)."""
    import duckdb
    import polars as pl
    import sqlalchemy as sa

    from sample_data.loaders import load_tables

    name = f"bench_{label.lower()}"
    database_url = server_url.rsplit("/", 1)[0] + f"/{name}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    engine = sa.create_engine(database_url)
    try:
        with contextlib.suppress(sa.exc.DBAPIError), engine.connect() as conn:
            found = {t: conn.execute(sa.text(f'SELECT count(*) FROM "{t}"')).scalar() for t in duckdb_data["counts"]}
            if found == duckdb_data["counts"]:
                say(f"reusing PostgreSQL database {name}")
                return {"url": database_url, "counts": found, "parameters": duckdb_data["parameters"]}
        say(f"loading {label} into PostgreSQL database {name}")
        started = time.perf_counter()
        source = duckdb.connect(duckdb_data["path"], read_only=True)
        try:
            frames = {t: pl.from_arrow(source.sql(f'SELECT * FROM "{t}"').to_arrow_table()) for t in duckdb_data["counts"]}
        finally:
            source.close()
        load_tables(engine, frames)
        del frames
        say(f"loaded {name} in {time.perf_counter() - started:.0f} s")
    finally:
        engine.dispose()
    return {"url": database_url, "counts": duckdb_data["counts"], "parameters": duckdb_data["parameters"]}


@contextlib.contextmanager
def postgres_server(args: argparse.Namespace) -> Iterator[str | None]:
    """The PostgreSQL server URL to use: --pg-url, a throwaway cluster for --postgres, else None."""
    if args.pg_url:
        yield args.pg_url
        return
    if not args.postgres:
        yield None
        return
    sys.path.insert(0, str(REPO / "tests"))
    from pg_cluster import postgres_bin_dir, throwaway_postgres

    if postgres_bin_dir() is None:
        say("PostgreSQL server binaries not found: measuring DuckDB only")
        yield None
        return
    with throwaway_postgres() as (url, _cluster):
        say(f"throwaway PostgreSQL cluster at {url}")
        yield url
