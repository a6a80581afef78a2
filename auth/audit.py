"""Who did what, written to the state database's audit log: the frame records page views, the
export buttons record what they built, the login gate records logins, failures and lockouts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, TypeVar

from state.store import AuditEvent, StateStore

T = TypeVar("T")


@dataclass(frozen=True)
class Auditor:
    """Bound to one user and client address when a run starts; usable from other threads later (a
    deferred download runs outside the script thread, where the session is not known)."""

    store: StateStore
    username: str
    client: str

    def __call__(self, action: str, page: str = "", **detail: Any) -> None:
        self.store.record(AuditEvent(self.username, action, page, detail, self.client))

    def export(self, page: str, file_kind: str, what: str, rows: int | None, build: Callable[[], T]) -> Callable[[], T]:
        """`build`, recording the export when it runs (the file is built only when clicked)."""

        def built() -> T:
            result = build()
            self("export", page, file=file_kind, what=what, rows=rows)
            return result

        return built


def page_view_key(page: str, query: Mapping[str, list[str]]) -> str:
    """What makes two reruns the same view: the page and its URL filters (widget clicks that change
    neither, such as opening an expander, are not a new view)."""
    return page + "?" + "&".join(f"{k}={','.join(v)}" for k, v in sorted(query.items()))
