"""Saved views (a page and its filters under a name, shareable) and team annotations, in the state DB.

Both are scoped like the data: a view is shared only with a user whose markets cover the view's,
and an annotation is read only for the markets of the reader's scope (a null market = every market).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl
import sqlalchemy as sa

from connectors.scope import Scope
from state.schema import saved_view_shares, saved_views, team_annotations
from state.store import StateStore, utc_now

MAX_NAME = 120
MAX_TEXT = 500


class Refused(ValueError):
    """A request that breaks a rule; the message names what is wrong. Nothing was written."""


@dataclass(frozen=True)
class SavedView:
    id: int
    owner: str
    name: str
    page: str  # the page's url_path
    query: str  # the filters as a URL query string, without "?"
    markets: tuple[str, ...] | None  # the markets it shows; None = every market
    created_at: dt.datetime
    shared_with: tuple[str, ...] = ()


def covers(scope: Scope, markets: tuple[str, ...] | None) -> bool:
    """Whether a scope sees every market of a view (None = every market of the source)."""
    if scope.countries is None:
        return True
    return markets is not None and set(markets) <= scope.countries


def _markets(text: str | None) -> tuple[str, ...] | None:
    return None if text is None else tuple(json.loads(text))


@dataclass(frozen=True)
class ViewsStore:
    store: StateStore

    # saved views

    def save_view(self, owner: str, name: str, page: str, query: str, markets: Sequence[str] | None,
                  now: dt.datetime | None = None) -> SavedView:
        """Save (or, for the same owner and name, replace) a view."""
        clean = name.strip()
        if not clean:
            raise Refused("Give the view a name.")
        if len(clean) > MAX_NAME:
            raise Refused(f"The name is {len(clean)} characters long; at most {MAX_NAME} fit.")
        if not page:
            raise Refused("A view needs the page it shows.")
        listed = None if markets is None else json.dumps(sorted(set(markets)))
        existing = self._view_by_name(owner, clean)
        values = {"page": page, "query": query.lstrip("?"), "markets": listed, "created_at": now or utc_now()}
        if existing is None:
            try:
                self.store._write(saved_views.insert().values(owner=owner, name=clean, **values))
            except sa.exc.IntegrityError as error:  # the same name saved at the same moment in another tab
                raise Refused(f"A view named '{clean}' was just saved; save again to replace it.") from error
        else:
            self.store._write(saved_views.update().where(saved_views.c.id == existing.id).values(**values))
        view = self._view_by_name(owner, clean)
        assert view is not None
        return view

    def _view_by_name(self, owner: str, name: str) -> SavedView | None:
        rows = self.store._read(sa.select(saved_views).where(saved_views.c.owner == owner,
                                                              saved_views.c.name == name))
        return self._with_shares(rows)[0] if rows else None

    def view(self, view_id: int) -> SavedView | None:
        rows = self.store._read(sa.select(saved_views).where(saved_views.c.id == view_id))
        return self._with_shares(rows)[0] if rows else None

    def _with_shares(self, rows: list[sa.Row]) -> list[SavedView]:
        ids = [row.id for row in rows]
        shares: dict[int, list[str]] = {}
        if ids:
            for share in self.store._read(sa.select(saved_view_shares).where(saved_view_shares.c.view_id.in_(ids))
                                          .order_by(saved_view_shares.c.username)):
                shares.setdefault(share.view_id, []).append(share.username)
        return [SavedView(row.id, row.owner, row.name, row.page, row.query, _markets(row.markets), row.created_at,
                          tuple(shares.get(row.id, ()))) for row in rows]

    def views_for(self, username: str) -> list[SavedView]:
        """The user's own views and those shared with them, by name."""
        shared = sa.select(saved_view_shares.c.view_id).where(saved_view_shares.c.username == username)
        rows = self.store._read(sa.select(saved_views)
                                .where(sa.or_(saved_views.c.owner == username, saved_views.c.id.in_(shared)))
                                .order_by(saved_views.c.name, saved_views.c.owner))
        return self._with_shares(rows)

    def share_view(self, view_id: int, owner: str, recipient: str, recipient_scope: Scope | None,
                   now: dt.datetime | None = None) -> SavedView:
        """Share the owner's view with a user of the credentials file whose markets cover the view's.

        `recipient_scope` is None when the recipient is not a user of the credentials file."""
        view = self.view(view_id)
        if view is None or view.owner != owner:
            raise Refused("Only the owner of a view can share it.")
        if recipient_scope is None:
            raise Refused(f"'{recipient}' is not a user of this dashboard.")
        if recipient == owner:
            raise Refused("The view is already yours.")
        if not covers(recipient_scope, view.markets):
            seen = ", ".join(view.markets) if view.markets else "every market"
            theirs = ", ".join(sorted(recipient_scope.countries or ())) or "none"
            raise Refused(f"'{recipient}' may not see all of this view's markets ({seen}); their markets: {theirs}. "
                          "Save a view of their markets to share it.")
        if recipient not in view.shared_with:
            self.store._write(saved_view_shares.insert().values(view_id=view_id, username=recipient,
                                                                shared_at=now or utc_now()))
        shared = self.view(view_id)
        assert shared is not None
        return shared

    def delete_view(self, view_id: int, owner: str) -> SavedView:
        view = self.view(view_id)
        if view is None or view.owner != owner:
            raise Refused("Only the owner of a view can delete it.")
        self.store._write(saved_view_shares.delete().where(saved_view_shares.c.view_id == view_id))
        self.store._write(saved_views.delete().where(saved_views.c.id == view_id))
        return view

    # team annotations

    def add_annotation(self, author: str, author_scope: Scope, day: dt.date, markets: Sequence[str] | None,
                       domain: str | None, text: str, now: dt.datetime | None = None) -> str:
        """Record an event for some markets (None = every market, for an author who sees them all);
        returns its event id."""
        clean = text.strip()
        if not clean:
            raise Refused("Write what happened.")
        if len(clean) > MAX_TEXT:
            raise Refused(f"The text is {len(clean)} characters long; at most {MAX_TEXT} fit.")
        if markets is not None and not markets:
            raise Refused("Pick at least one market.")
        if markets is None and author_scope.countries is not None:
            raise Refused("Only a user who sees every market can annotate every market; pick your markets.")
        allowed = author_scope.countries
        outside = [] if allowed is None else sorted(set(markets or ()) - allowed)
        if outside:
            raise Refused(f"Markets outside your scope: {', '.join(outside)}.")
        event_id = secrets.token_hex(8)
        moment = now or utc_now()
        rows = [{"event_id": event_id, "day": day, "country_code": code, "domain": domain or None, "text": clean,
                 "author": author, "created_at": moment} for code in (sorted(set(markets)) if markets else [None])]
        self.store._write(team_annotations.insert().values(rows))
        return event_id

    def annotations(self, scope: Scope, start: dt.date, end: dt.date,
                    countries: tuple[str, ...] | None = None) -> pl.DataFrame:
        """Team annotations dated start..end: day, country_code, domain, text, author (one row per market),
        in the scope's markets and, when given, the requested ones; a null market is every market."""
        query = sa.select(team_annotations.c.day, team_annotations.c.country_code, team_annotations.c.domain,
                          team_annotations.c.text, team_annotations.c.author).where(
            team_annotations.c.day >= start, team_annotations.c.day <= end)
        for allowed in (scope.countries, countries):
            if allowed is not None:
                query = query.where(sa.or_(team_annotations.c.country_code.is_(None),
                                           team_annotations.c.country_code.in_(sorted(allowed))))
        rows = self.store._read(query.order_by(team_annotations.c.day, team_annotations.c.id))
        schema = {"day": pl.Date, "country_code": pl.String, "domain": pl.String, "text": pl.String,
                  "author": pl.String}
        return pl.DataFrame([tuple(row) for row in rows], schema=schema, orient="row")

    def annotations_by(self, author: str, start: dt.date, end: dt.date) -> pl.DataFrame:
        """The author's own events dated start..end, one row each: event_id, day, markets, domain, text."""
        rows = self.store._read(sa.select(team_annotations.c.event_id, team_annotations.c.day,
                                          team_annotations.c.country_code, team_annotations.c.domain,
                                          team_annotations.c.text)
                                .where(team_annotations.c.author == author, team_annotations.c.day >= start,
                                       team_annotations.c.day <= end)
                                .order_by(team_annotations.c.day, team_annotations.c.id))
        frame = pl.DataFrame([tuple(row) for row in rows], orient="row", schema={
            "event_id": pl.String, "day": pl.Date, "country_code": pl.String, "domain": pl.String, "text": pl.String})
        codes = pl.col("country_code")
        markets = pl.when(codes.null_count() > 0).then(pl.lit(None, pl.String)).otherwise(codes.sort().str.join(", "))
        return frame.group_by("event_id", maintain_order=True).agg(
            pl.col("day").first(), markets.alias("markets"), pl.col("domain").first(), pl.col("text").first())

    def delete_annotation(self, event_id: str, author: str) -> int:
        """Delete the author's event (every market's copy); returns how many rows went."""
        owners = {row.author for row in self.store._read(
            sa.select(team_annotations.c.author).where(team_annotations.c.event_id == event_id))}
        if owners != {author}:
            raise Refused("Only the author of an annotation can delete it.")
        result = self.store._write(team_annotations.delete().where(team_annotations.c.event_id == event_id,
                                                                   team_annotations.c.author == author))
        return int(result.rowcount)
