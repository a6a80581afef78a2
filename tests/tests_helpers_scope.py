"""Hypothesis strategies for hostile filter input."""

from __future__ import annotations

from hypothesis import strategies as st

SEA = ("ID", "MY", "TH", "VN", "PH", "SG")
OTHER_MARKETS = ("US", "MX", "BR", "GB", "DE", "FR", "ES", "IT", "IE", "JP")
SQL_LOOKING = (
    "US') OR 1=1 --",
    "' OR '1'='1",
    "DE; DROP TABLE appeals; --",
    "ID' UNION SELECT country_code FROM countries --",
    "%",
    "*",
    "",
    "us",
)


def adversarial_countries() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(SEA + OTHER_MARKETS + SQL_LOOKING),
        st.text(min_size=0, max_size=12),
    )
