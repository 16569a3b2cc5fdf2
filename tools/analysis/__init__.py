"""Analysis: what the data says about accounts. Attributes and conditions, won-vs-lost contrasts, patterns, best
customers, segments (by dimensions or discovered), ranking, red flags, personas, target segments, readiness
signals. Imports core, ingest and store.
"""
