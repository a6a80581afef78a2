"""Market scope: the countries a user may see, intersected with every requested filter.

Deny by default: an empty scope yields no rows. `None` in a Scope means every country (admin
and global roles); `None` as a request means "no country filter beyond the scope".
"""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Scope:
    countries: frozenset[str] | None

    @classmethod
    def everything(cls) -> "Scope":
        return cls(countries=None)

    @classmethod
    def nothing(cls) -> "Scope":
        return cls(countries=frozenset())

    @classmethod
    def of(cls, countries: object) -> "Scope":
        return cls(countries=frozenset(str(code) for code in countries))  # type: ignore[attr-defined]

    @property
    def is_empty(self) -> bool:
        return self.countries is not None and not self.countries

    def cache_key(self) -> str:
        """A stable string that differs for every distinct scope (part of every cache key).

        Unambiguous by construction: "all" has no brackets, and a market list is JSON, so no code
        (not even "*" or "DE,FR") can make one scope's key equal another's.
        """
        if self.countries is None:
            return "all"
        return json.dumps(sorted(self.countries), ensure_ascii=True)


def effective_countries(
    requested: tuple[str, ...] | None, scope: Scope
) -> tuple[str, ...] | None:
    """The countries a query may touch: request ∩ scope; None means unrestricted."""
    if scope.countries is None:
        return None if requested is None else tuple(sorted(set(requested)))
    if requested is None:
        return tuple(sorted(scope.countries))
    return tuple(sorted(set(requested) & scope.countries))
