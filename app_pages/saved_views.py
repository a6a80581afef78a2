"""Saved views: your views and those shared with you; open, share (within the recipient's scope), delete."""

import streamlit as st

import data
from state.store import StateUnavailable
from state.views_store import Refused, SavedView
from ui import frame, layout, team
from ui.context import page_context

PAGE = "saved-views"
FLASH_KEY = "_saved_views_flash"  # session_state: the outcome of the last action, shown after the rerun


def page_of(view: SavedView):  # type: ignore[no-untyped-def]
    """The st.Page the view opens (the default page is served at "")."""
    return ctx.pages.get("" if view.page == "overview" else view.page)


def share(view: SavedView, recipient: str) -> None:
    record = data.dashboard_users().get(recipient)
    try:
        shared = data.views_store().share_view(view.id, ctx.username, recipient, record.scope if record else None)
    except (Refused, StateUnavailable) as error:
        st.session_state[FLASH_KEY] = ("error", f"'{view.name}' was not shared: {error}")
        return
    if ctx.auditor is not None:
        ctx.auditor("view_shared", PAGE, name=view.name, recipient=recipient)
    st.session_state[FLASH_KEY] = ("success", f"Shared '{shared.name}' with {recipient}.")


def delete(view: SavedView) -> None:
    try:
        data.views_store().delete_view(view.id, ctx.username)
    except (Refused, StateUnavailable) as error:
        st.session_state[FLASH_KEY] = ("error", f"'{view.name}' was not deleted: {error}")
        return
    if ctx.auditor is not None:
        ctx.auditor("view_deleted", PAGE, name=view.name)
    st.session_state[FLASH_KEY] = ("success", f"Deleted '{view.name}'.")


ctx = page_context()
frame.header(ctx, "Saved views", "Pages saved with their filters. Save the page you are on from the sidebar "
             "('Save this view'). A view opens within your own markets: markets outside them are ignored, "
             "and the page says so. Share a view with a user whose markets cover it.", dated=False)
others = sorted(name for name in data.dashboard_users() if name != ctx.username)
flash = st.session_state.pop(FLASH_KEY, None)
if flash:
    (st.error if flash[0] == "error" else st.success)(flash[1])
try:
    views = data.views_store().views_for(ctx.username)
except StateUnavailable as error:
    st.error(str(error), icon=":material/error:")
    st.stop()
if not views:
    layout.empty_state("No saved views yet. Open a page, set its filters and use 'Save view' in the sidebar.")
for view in views:
    mine = view.owner == ctx.username
    with st.container(border=True, key=f"view-{view.id}"):
        name_column, link_column = st.columns([4, 1], vertical_alignment="center")
        target = page_of(view)
        name_column.markdown(f"**{view.name}** · {target.title if target else view.page}"
                             + ("" if mine else f" · shared by {view.owner}"))
        name_column.caption(" · ".join([
            f"Filters: {team.readable_filters(view.query)}",
            f"Markets: {', '.join(view.markets) if view.markets else 'every market'}",
            *([f"Shared with: {', '.join(view.shared_with)}"] if mine and view.shared_with else []),
        ]))
        if target is None:
            link_column.caption("This page is not available to you.")
        else:
            link_column.page_link(target, label="Open", icon=":material/open_in_new:",
                                  query_params=team.query_params_of(view.query))
        if mine:
            pick, share_button, delete_button = st.columns([2, 1, 1], vertical_alignment="bottom")
            recipient = pick.selectbox("Share with", others, index=None, key=f"share-to-{view.id}",
                                       placeholder="A user of this dashboard")
            if share_button.button("Share", key=f"share-{view.id}", icon=":material/share:", disabled=recipient is None):
                share(view, recipient)
                st.rerun()
            if delete_button.button("Delete", key=f"delete-{view.id}", icon=":material/delete:"):
                delete(view)
                st.rerun()
