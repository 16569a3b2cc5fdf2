"""Ingest: an export as it comes (CSV, XLSX, Parquet, JSON) read, mapped to canonical fields, cleaned, derived and
joined to its deals, and described in a dataset card. Imports only :mod:`..core`; never touches the workspace.
"""
