"""Project rules that keep the layers honest: imports, the metric registry, configuration."""

from __future__ import annotations

import ast
import os
import tomllib
from pathlib import Path

import pytest

from connectors.config import ConfigError, demo_url, parse_config, resolve_url
from metrics.registry import UNITS, DuplicateMetricError, MetricDef, all_metrics, register

REPO = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", ["metrics", "connectors", "alerts", "state", "cli_commands"])
def test_metrics_and_connectors_never_import_streamlit(package: str) -> None:
    files = sorted((REPO / package).glob("*.py"))
    assert files
    offenders = [f.name for f in files if {"streamlit", "streamlit_authenticator"} & imported_modules(f)]
    assert offenders == []


def test_metrics_never_import_sqlalchemy() -> None:
    offenders = [f.name for f in (REPO / "metrics").glob("*.py") if "sqlalchemy" in imported_modules(f)]
    assert offenders == []


def test_every_metric_is_fully_declared() -> None:
    metrics = all_metrics()
    assert len(metrics) >= 40
    for metric in metrics:
        assert metric.definition.strip().endswith(")") or metric.definition.strip().endswith("."), metric.id
        assert len(metric.definition.split()) >= 5, metric.id
        assert metric.unit in UNITS, metric.id
        assert metric.direction in ("up", "down", "neutral"), metric.id
        assert metric.label and metric.id.count(".") == 1, metric.id
        assert metric.display(1.0) != "—"
        if metric.direction == "neutral":
            assert metric.target is None, f"{metric.id}: a neutral metric cannot be on or off target"


def test_duplicate_metric_ids_fail() -> None:
    first = all_metrics()[0]
    with pytest.raises(DuplicateMetricError, match=first.id):
        register(MetricDef(first.id, "x", "A second declaration of the same id.", "count", "up"))


def test_duplicate_metric_labels_fail() -> None:
    # a picker or export header names a metric by its label alone, so two "QA accuracy" are ambiguous
    first = all_metrics()[0]
    with pytest.raises(DuplicateMetricError, match=first.label):
        register(MetricDef("test.twin", first.label, "Another metric with the same label.", "count", "up"))
    labels = [m.label for m in all_metrics()]
    assert len(labels) == len(set(labels))


def test_url_resolution_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[connections.governance]\nurl = "sqlite:///from-secrets.db"\n')
    monkeypatch.delenv("GOVERNANCE_DB_URL", raising=False)
    assert resolve_url(None, tmp_path / "missing.toml") == demo_url()
    assert resolve_url(None, secrets) == "sqlite:///from-secrets.db"
    monkeypatch.setenv("GOVERNANCE_DB_URL", "sqlite:///from-env.db")
    assert resolve_url(None, secrets) == "sqlite:///from-env.db"
    assert resolve_url("sqlite:///from-flag.db", secrets) == "sqlite:///from-flag.db"


def test_config_maps_names_and_rejects_unknown_ones() -> None:
    config = parse_config(
        {"tables": {"appeals": {"name": "gov.appeal_events", "columns": {"submitted_at": "created_ts"}}}}
    )
    mapping = config.table("appeals")
    assert (mapping.schema, mapping.name) == ("gov", "appeal_events")
    assert mapping.physical_column("submitted_at") == "created_ts"
    assert config.table("escalations").name == "escalations"
    with pytest.raises(ConfigError, match="tables.appeals.columns.submited_at"):
        parse_config({"tables": {"appeals": {"columns": {"submited_at": "x"}}}})
    with pytest.raises(ConfigError, match="tables.apeals: unknown table"):
        parse_config({"tables": {"apeals": {}}})


def test_streamlit_config_is_hardened() -> None:
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    assert config["server"]["enableXsrfProtection"] is True
    assert config["client"]["showErrorDetails"] == "none"  # false is legacy "stacktrace": frames reach the browser
    assert config["client"]["toolbarMode"] == "viewer"
    assert config["browser"]["gatherUsageStats"] is False


def test_requirements_are_pinned() -> None:
    for name in ("requirements.txt", "requirements-dev.txt"):
        for line in (REPO / name).read_text().splitlines():
            line = line.split("#")[0].strip()
            if line and not line.startswith("-r"):
                assert "==" in line, f"{name}: {line} is not pinned"


def test_no_pages_folder_next_to_the_entry_point() -> None:
    # Streamlit would run scripts in pages/ directly (skipping the login gate) on a fresh server
    assert not (REPO / "pages").exists()
    assert os.path.isdir(REPO / "app_pages")


POLARS_CALLBACKS = {"map_elements", "map_batches", "map_rows", "map_groups", "apply"}
APP_CODE = ("metrics", "connectors", "ui", "app_pages", "auth", "alerts", "cli_commands")


def polars_callback_calls(path: Path) -> list[str]:
    """Calls like `expr.map_elements(...)`: each runs Python on Polars' pool threads."""
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        f"{path.relative_to(REPO)}:{node.lineno} .{node.func.attr}()"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in POLARS_CALLBACKS
        # pandas Styler.apply (ui/tables.py) runs in the calling thread, not on Polars' pool
        and not (isinstance(node.func.value, ast.Attribute) and node.func.value.attr == "style")
    ]


def test_no_python_callbacks_inside_polars_expressions() -> None:
    """A Python callback in a Polars expression needs the GIL on Polars' pool threads; with another
    session's thread waiting on that pool while holding the GIL (to_pandas of a multi-chunk frame,
    rechunk) the whole server deadlocks (issue 9, benchmarks/polars_gil_deadlock.py)."""
    files = [REPO / "data.py", REPO / "app.py", *(f for package in APP_CODE for f in sorted((REPO / package).glob("*.py")))]
    offenders = [call for path in files for call in polars_callback_calls(path)]
    assert offenders == []


def test_domain_modules_export_only_what_they_define() -> None:
    """No lazy module __getattr__ re-exports: a view function is imported from the module that defines it."""
    import importlib

    for name in ("appeals", "creators", "escalations", "mix", "vendors"):
        module = importlib.import_module(f"metrics.{name}")
        assert not hasattr(module, "__getattr__"), name


def test_every_domain_module_has_the_declared_shape() -> None:
    import importlib

    from metrics.domain import DomainModule

    for name in ("appeals", "creators", "escalations", "mix", "vendors"):
        module = importlib.import_module(f"metrics.{name}")
        assert isinstance(module, DomainModule), name
        assert set(module.KPI_IDS) <= {m.id for m in module.METRICS}, name


# Files over 400 lines, each one subject that splitting would scatter (issue 12); a new one fails here.
LONG_FILES = {
    "connectors/dsa_import.py": "the DSA dump importer: zip/CSV reading, row validation and batched writes of one format",
    "metrics/drivers.py": "the driver decomposition: mix and rate effects, segment search and their significance",
    "metrics/planner/projection.py": "one scenario projection: cost, quality, appeals and staffing from one baseline",
    "benchmarks/run.py": "the page benchmark: its worker processes, measurements and report",
}


def test_no_application_file_is_over_400_lines_unless_declared() -> None:
    long = {str(path.relative_to(REPO)) for path in REPO.rglob("*.py")
            if ".venv" not in path.parts and path.parts[len(REPO.parts)] != "tests"
            and len(path.read_text().splitlines()) > 400}
    assert long <= set(LONG_FILES), f"over 400 lines: {sorted(long - set(LONG_FILES))}"
