"""Where the planted stories live. See sample_data/README.md for what each one looks like."""

from __future__ import annotations

from dataclasses import dataclass

from sample_data import reference as ref

# Story timing, in days before `end` (end itself is day 0 before end).
OVERTURN_DAYS = 21  # appeals decided in the last 21 days have the jumped overturn rate
SLOW_SITE_DAYS = 28  # human cases created in the last 28 days are slow
SPIKE_DAYS = 14  # creator violations spike in the last two weeks
SPIKE_BASELINE_WEEKS = 8  # ... compared with the 8 weeks before
P0_DAYS_BEFORE_END = 4  # the open P0 was opened 4 days before end, at 09:15 UTC

SLOW_SITE_AHT_MULT = 1.4
SLOW_SITE_TAT_ADHERENCE = 0.78
OVERTURN_MULT = 3.2
OVERTURN_CAP = 0.9


@dataclass(frozen=True)
class Stories:
    """Where each planted story lives; tests move them elsewhere."""

    overturn_country: str = "DE"
    overturn_policy: str = "counterfeit"
    slow_vendor: str = "Meridian"
    slow_site: str = "Bogota"
    spike_country: str = "ID"
    spike_policy: str = "misleading_claims"
    p0_country: str = "FR"
    recurring_root_cause: str = "model_regression"

    def validate(self) -> None:
        """Raise ValueError naming the field when a location does not exist in the demo world."""
        checks = {
            "overturn_country": (self.overturn_country, ref.COUNTRY_CODES),
            "overturn_policy": (self.overturn_policy, ref.POLICIES),
            "spike_country": (self.spike_country, ref.COUNTRY_CODES),
            "spike_policy": (self.spike_policy, ref.CREATOR_POLICIES),
            "p0_country": (self.p0_country, ref.COUNTRY_CODES),
            "recurring_root_cause": (self.recurring_root_cause, ref.ROOT_CAUSES),
        }
        for field, (value, allowed) in checks.items():
            if value not in allowed:
                raise ValueError(f"Stories.{field}={value!r} is not one of {list(allowed)}")
        if (self.slow_vendor, self.slow_site) not in zip(ref.SITE_VENDOR, ref.SITE_NAME):
            pairs = [f"{v}/{s}" for v, s in zip(ref.SITE_VENDOR, ref.SITE_NAME)]
            raise ValueError(
                f"Stories.slow_vendor/slow_site={self.slow_vendor}/{self.slow_site} is not one of {pairs}"
            )

    @property
    def slow_site_index(self) -> int:
        return list(zip(ref.SITE_VENDOR, ref.SITE_NAME)).index((self.slow_vendor, self.slow_site))
