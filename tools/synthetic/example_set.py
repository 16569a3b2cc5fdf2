"""The example set in examples/data: CSV exports and ground_truth.json."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from .contacts import generate_contacts
from .generate import generate_accounts_and_deals, generate_prospects
from .usage import generate_usage
from .vocab import DEFAULT_END

EXAMPLE_FILES = {
    "accounts": ("accounts.csv", "Companies export, 2024-2025 (messy, HubSpot style)"),
    "deals": ("deals.csv", "Deals export for accounts.csv (joins by company name)"),
    "prospects": ("prospects.csv", "Companies to score: firmographics only, no outcomes"),
    "next_quarter_accounts": (
        "next_quarter_accounts.csv",
        "Companies worked in the next quarter (drift='shift')",
    ),
    "next_quarter_deals": ("next_quarter_deals.csv", "Deals of the next quarter (drift='shift')"),
    "stable_quarter_accounts": (
        "stable_quarter_accounts.csv",
        "Control: the same next quarter without drift (drift='none')",
    ),
    "stable_quarter_deals": ("stable_quarter_deals.csv", "Control: deals of the quarter without drift"),
    "contacts": (
        "contacts.csv",
        "Contacts of accounts.csv with a closed deal: job title, company, role in the deal (planted personas)",
    ),
    "product_usage": (
        "product_usage.csv",
        "Feature usage of the customers of accounts.csv (Pendo-like export; planted adoption pattern)",
    ),
    "ground_truth": ("ground_truth.json", "What was planted and what the files realise"),
}


def _next_quarter(end: str) -> tuple[str, str]:
    first = pd.Timestamp(end) + pd.Timedelta(days=1)
    last = first + pd.DateOffset(months=3) - pd.Timedelta(days=1)
    return first.strftime("%Y-%m-%d"), last.strftime("%Y-%m-%d")


def _write_csv(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
    return path


def write_example_set(folder: Path, *, n_accounts: int = 500, n_deals: int = 3000, seed: int = 7) -> dict[str, Path]:
    """Write the example exports and ground_truth.json into ``folder``; returns {key: path}.

    Files (see ``EXAMPLE_FILES``): accounts/deals (``seed``), prospects (``seed + 4``), the next
    quarter with drift (``seed + 1``), the same quarter without drift (``seed + 2``) and the contacts of
    accounts.csv (``seed``, a stream of its own). Company names never repeat across the account files.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    q_start, q_end = _next_quarter(DEFAULT_END)
    q_accounts, q_deals = max(1, round(0.3 * n_accounts)), round(0.2 * n_deals)
    accounts, deals, main = generate_accounts_and_deals(n_accounts, n_deals, seed=seed)
    used = set(accounts["Company name"].dropna())
    next_a, next_d, shifted = generate_accounts_and_deals(
        q_accounts, q_deals, seed=seed + 1, start=q_start, end=q_end, drift="shift", exclude_names=used
    )
    used |= set(next_a["Company name"].dropna())
    stable_a, stable_d, stable = generate_accounts_and_deals(
        q_accounts, q_deals, seed=seed + 2, start=q_start, end=q_end, drift="none", exclude_names=used
    )
    used |= set(stable_a["Company name"].dropna())
    prospects, prospect_truth = generate_prospects(round(0.6 * n_accounts), seed=seed + 4, exclude_names=used)
    used |= set(prospects["Company name"].dropna())
    clean_accounts, clean_deals, _ = generate_accounts_and_deals(n_accounts, n_deals, seed=seed, messy=False)
    contacts, contacts_truth = generate_contacts(clean_accounts, clean_deals, seed=seed, exclude_names=used)
    usage, usage_truth = generate_usage(clean_accounts, main.segment_ids["best"], seed=seed)
    frames = {
        "accounts": accounts,
        "deals": deals,
        "prospects": prospects,
        "next_quarter_accounts": next_a,
        "next_quarter_deals": next_d,
        "stable_quarter_accounts": stable_a,
        "stable_quarter_deals": stable_d,
        "contacts": contacts,
        "product_usage": usage,
    }
    paths = {key: _write_csv(frame, folder / EXAMPLE_FILES[key][0]) for key, frame in frames.items()}
    truth = {
        "files": {name: description for name, description in EXAMPLE_FILES.values()},
        "datasets": {
            "accounts_and_deals": asdict(main),
            "next_quarter": asdict(shifted),
            "stable_quarter": asdict(stable),
            "prospects": asdict(prospect_truth),
            "contacts": asdict(contacts_truth),
            "product_usage": asdict(usage_truth),
        },
    }
    paths["ground_truth"] = folder / EXAMPLE_FILES["ground_truth"][0]
    paths["ground_truth"].write_text(json.dumps(truth, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return paths
