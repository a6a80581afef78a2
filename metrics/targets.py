"""Targets and domain settings from the config file, over the registry defaults.

    [targets]
    "appeals.overturn_rate" = 0.15            # overrides the registry default everywhere
    [targets.by_country.DE]
    "appeals.overturn_rate" = 0.20            # only for Germany
    [targets.by_site."Acme/Manila"]
    "vendors.aht_seconds" = 300               # only for that vendor site ("vendor/site")

Other sections (for example `[risk]`, `[escalations]`) are domain settings read by the domains.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Collection, Mapping

from metrics.registry import MetricDef, get


@dataclass(frozen=True)
class Settings:
    overrides: Mapping[str, float] = field(default_factory=dict)
    by_country: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    by_site: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    sections: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_sections(cls, sections: Mapping[str, Any]) -> "Settings":
        raw = dict(sections.get("targets", {}))
        by_country = raw.pop("by_country", {})
        by_site = raw.pop("by_site", {})
        for metric_id in [*raw, *(k for v in by_country.values() for k in v), *(k for v in by_site.values() for k in v)]:
            get(metric_id)  # raises KeyError for a target of an unknown metric
        return cls(
            overrides={k: float(v) for k, v in raw.items()},
            by_country={c: {k: float(v) for k, v in t.items()} for c, t in by_country.items()},
            by_site={s: {k: float(v) for k, v in t.items()} for s, t in by_site.items()},
            sections={k: v for k, v in sections.items() if k != "targets"},
        )

    def target(self, metric: MetricDef, country: str | None = None, site: str | None = None) -> float | None:
        """Most specific first: vendor site, market, config override, registry default."""
        if site is not None and metric.id in self.by_site.get(site, {}):
            return self.by_site[site][metric.id]
        if country is not None and metric.id in self.by_country.get(country, {}):
            return self.by_country[country][metric.id]
        return self.overrides.get(metric.id, metric.target)

    def within(self, countries: Collection[str], sites: Collection[str]) -> "Settings":
        """Only the market and vendor-site ("Vendor/Site") targets of these markets and sites: what a
        regional user may read of the configuration."""
        return replace(
            self,
            by_country={c: t for c, t in self.by_country.items() if c in countries},
            by_site={s: t for s, t in self.by_site.items() if s in sites},
        )

    def section(self, name: str) -> Mapping[str, Any]:
        return self.sections.get(name, {})
