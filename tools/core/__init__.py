"""Core: what every layer shares and nothing in tools/ sits below.

Errors, the field catalogue (``data/fields.toml``), labels, statistics, value parsers, countries, company-name keys,
job titles, the dataset card models and the :class:`~.dataset.Dataset` type, HTML/Markdown escaping, and the chart
primitives (matplotlib drawings of plain values: lift bars, bubbles, concentration curves). Imports nothing from
the other layers.
"""
