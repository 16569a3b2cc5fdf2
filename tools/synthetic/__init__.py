"""Seeded synthetic CRM exports with planted, documented structure.

The examples, tests, demo and benchmarks need CRM data whose answer is known. This package writes
HubSpot-style companies, deals and contacts exports (messy like real ones when ``messy=True``) in
which a few segments and buying-committee personas were *planted* on purpose; :class:`GroundTruth`
and :class:`ContactsTruth` record what was planted and what the generated frames actually realise
(the segments are described in ``specs``, the personas in ``contacts``).

Every draw comes from :class:`numpy.random.Generator` streams spawned from the seed (one stream per
concern, so messiness never changes the underlying data): same seed, same frames, byte for byte.

Modules: ``vocab`` (columns and vocabularies), ``specs`` (planted segments, ground truth),
``helpers`` (streams, window, arrays, dates), ``firmographics``, ``names``, ``deals`` and
``outcomes`` (the underlying data), ``messy`` (export messiness), ``frames`` (clean or messy
frames), ``realised`` (realised rates), ``generate`` (the generators), ``contacts`` (the contacts
export with planted personas), ``example_set`` (the files in examples/data) and ``markdown`` (the
README tables).
"""

from __future__ import annotations

from .contacts import CONTACT_COLUMNS, ContactsTruth, generate_contacts
from .example_set import EXAMPLE_FILES, write_example_set
from .generate import generate_accounts_and_deals, generate_large_accounts, generate_prospects
from .markdown import ground_truth_markdown
from .messy import _bucket_label as _bucket_label
from .messy import _range_keeps_band as _range_keeps_band
from .realised import realised_rates
from .specs import GroundTruth, SegmentSpec, planted_segments, segment_labels
from .vocab import (
    ACCOUNT_COLUMNS,
    DEAL_COLUMNS,
    NOISE_COLUMNS,
    OUTCOME_COLUMNS,
    PROFILES,
    PROSPECT_COLUMNS,
    Drift,
    Mode,
)

__all__ = [
    "ACCOUNT_COLUMNS",
    "CONTACT_COLUMNS",
    "DEAL_COLUMNS",
    "EXAMPLE_FILES",
    "NOISE_COLUMNS",
    "OUTCOME_COLUMNS",
    "PROFILES",
    "PROSPECT_COLUMNS",
    "ContactsTruth",
    "Drift",
    "GroundTruth",
    "Mode",
    "SegmentSpec",
    "generate_accounts_and_deals",
    "generate_contacts",
    "generate_large_accounts",
    "generate_prospects",
    "ground_truth_markdown",
    "planted_segments",
    "realised_rates",
    "segment_labels",
    "write_example_set",
]
