"""Streamlit helpers shared by the pages: layout frame, KPI cards, Altair charts, tables and exports.

Pure helpers (formatting, chart specs, status colours, export bytes) are plain functions that the
unit tests call without a running app; the render helpers draw with Streamlit.
"""
