"""size_market: TAM / SAM / SOM bottom-up from an account universe and an ICP.

TAM = every account in the universe x the expected annual contract value (the median won deal
amount of its size band in the ICP's data when the band has 10+ wins, else the overall median:
stated). SAM = the green and yellow accounts. SOM = the smaller of SAM x a realistic share and the
sales capacity (reps x deals per rep x win rate x contract value), shown with its sensitivity to the
assumptions; the SOM accounts, ranked by score, are written to a file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, Field

from icp_assistant.tools.analysis.attributes import add_bands
from icp_assistant.tools.core.dataset import Dataset
from icp_assistant.tools.core.errors import InsufficientDataError
from icp_assistant.tools.store.datasets import LoadOptions, load_accounts, open_dataset
from icp_assistant.tools.store.workspace import Workspace, write_table

from .engines import AUTO, Compute
from .icp import ICPVersion, columns_read, score_rows
from .schemas import MarketSize, Slice

MIN_BAND_WINS = 10
# what contract values read of the ICP's dataset (open it with these: a million accounts' other columns are not held)
REFERENCE_ACCOUNTS = ("size_band",)
REFERENCE_DEALS = ("outcome", "deal_amount", "account_key")


def contract_values(reference: Dataset) -> tuple[dict[str, float], float]:
    """Median won deal amount per size band (10+ wins) and overall, from the ICP's data."""
    deals = reference.deals
    if deals is None or "deal_amount" not in deals or not deals["outcome"].eq("won").any():
        raise InsufficientDataError(
            "No won deal amounts to base the contract value on. Pass contract_value= (annual value per account)."
        )
    won = deals[deals["outcome"].eq("won") & deals["deal_amount"].gt(0)]
    bands = reference.accounts.get("size_band")
    per_band: dict[str, float] = {}
    if bands is not None:
        band_of = won["account_key"].map(bands)
        for band, amounts in won["deal_amount"].groupby(band_of):
            if len(amounts) >= MIN_BAND_WINS:
                per_band[str(band)] = float(amounts.median())
    return per_band, float(won["deal_amount"].median())


def _som(sam: float, share: float, capacity: float | None) -> tuple[float, str]:
    by_share = sam * share
    if capacity is not None and capacity < by_share:
        return capacity, "capacity"
    return by_share, "share"


@dataclass
class Scored:
    """What sizing needs from a scored universe, however it was scored (in memory or out of core)."""

    accounts: int
    tam: float
    sam_accounts: int
    sam: float
    sam_median: float | None  # median contract value of the SAM accounts
    by_tier: list[Slice]
    by_size: list[Slice]
    som: Callable[[float], tuple[int, Path]]  # writes the SOM accounts for a SOM value: (accounts, file)


class Capacity(BaseModel):
    """What the SOM assumes: the share of the SAM won, the sales capacity (reps x deals per rep x the green win
    rate), and a contract value per account given by the user instead of the reference's won deals."""

    share: float = Field(0.1, gt=0, le=1, description="Share of the SAM obtainable (0.1 = 10%)")
    reps: int | None = Field(None, ge=1, description="Sales reps working the market")
    deals_per_rep: float | None = Field(None, gt=0, description="Deals each rep can work per period")
    contract_value: float | None = Field(None, gt=0, description="Contract value per account")


def size_market(
    reference: Dataset,
    icp: ICPVersion,
    universe_path: Path,
    workspace: Workspace,
    capacity: Capacity | None = None,
    options: LoadOptions | None = None,
    compute: Compute = AUTO,
) -> MarketSize:
    """TAM / SAM / SOM of ``universe_path`` under ``icp``, in memory or out of core as ``compute`` chooses
    (:meth:`.engines.Compute.choose`)."""
    capacity = capacity or Capacity()
    options = options or LoadOptions()
    per_band, overall = ({}, capacity.contract_value) if capacity.contract_value else contract_values(reference)
    chosen = compute.choose(universe_path, options.max_bytes)
    if chosen == "memory":
        scored = _scored(icp, universe_path, workspace, options, per_band, overall)
    else:
        from .out_of_core import scored_universe

        spark = compute.spark if chosen == "spark" else None
        scored = scored_universe(icp, universe_path, workspace, options, per_band, overall, spark)
    return _size(icp, scored, per_band, overall, capacity)


def _scored(
    icp: ICPVersion, path: Path, workspace: Workspace, options: LoadOptions, per_band: dict[str, float], overall: float
) -> Scored:
    card = load_accounts(path, workspace, options)
    needed = [*columns_read(icp), "name", "size_band"]  # what scoring, the bands and the SOM list read
    rows = add_bands(open_dataset(workspace, card.name, accounts=needed).accounts)
    scored = rows.join(score_rows(icp, rows, points=False)[["score", "tier"]])
    band = scored["size_band"] if "size_band" in scored else pd.Series(None, index=scored.index)
    scored["value"] = band.map(per_band).fillna(overall).astype(float)
    in_sam = scored["tier"].isin(["green", "yellow"])
    ranked = scored[in_sam].sort_values("score", ascending=False, kind="stable")
    folder = workspace.folder("markets", f"{card.name}-{icp.name}")

    def som(value: float) -> tuple[int, Path]:
        rows = ranked[ranked["value"].cumsum() <= max(value, ranked["value"].iloc[0] if len(ranked) else 0)]
        columns = [c for c in ("name", "score", "tier", "size_band", "value") if c in rows]
        return len(rows), write_table(rows[columns], folder / "som_accounts.csv")

    return Scored(
        accounts=len(scored), tam=float(scored["value"].sum()), sam_accounts=int(in_sam.sum()),
        sam=float(scored.loc[in_sam, "value"].sum()),
        sam_median=float(scored.loc[in_sam, "value"].median()) if in_sam.any() else None,
        by_tier=[Slice(name=t, accounts=int(g.shape[0]), value=round(float(g["value"].sum()), 2))
                 for t, g in scored.groupby("tier")],
        by_size=[Slice(name=str(b), accounts=int(g.shape[0]), value=round(float(g["value"].sum()), 2))
                 for b, g in scored.groupby(band.fillna("(unknown)"))],
        som=som,
    )  # fmt: skip


def _size(icp: ICPVersion, scored: Scored, per_band: dict[str, float], overall: float, given: Capacity) -> MarketSize:
    share, reps, deals_per_rep, contract_value = given.share, given.reps, given.deals_per_rep, given.contract_value
    win = icp.training_tiers.get("green")
    win_rate = win.rate if win is not None and win.rate is not None else None
    capacity = None
    if reps and deals_per_rep and win_rate:
        capacity = reps * deals_per_rep * win_rate * float(scored.sam_median or overall)
    sam = scored.sam
    som_value, limited = _som(sam, share, capacity)
    som_accounts, path = scored.som(som_value)
    assumptions = [
        "contract value per account: " + (f"{contract_value:,.0f} (given)" if contract_value else
            ", ".join(f"{b} {v:,.0f}" for b, v in per_band.items()) + f"; otherwise {overall:,.0f} (median won deal)"),
        f"SAM = green + yellow accounts of ICP {icp.name} v{icp.version}",
        f"SOM share of SAM: {share:.0%}" + (f"; capacity {reps} reps x {deals_per_rep} deals x {win_rate:.0%} win rate"
                                            if capacity is not None and win_rate else ""),
    ]  # fmt: skip
    sensitivity = {
        f"share {share / 2:.0%}": round(_som(sam, share / 2, capacity)[0], 2),
        f"share {min(share * 1.5, 1):.0%}": round(_som(sam, min(share * 1.5, 1), capacity)[0], 2),
        "contract value -25%": round(_som(sam * 0.75, share, capacity and capacity * 0.75)[0], 2),
        "contract value +25%": round(_som(sam * 1.25, share, capacity and capacity * 1.25)[0], 2),
    }
    return MarketSize(
        icp=icp.name, universe=scored.accounts,
        tam=Slice(name="TAM", accounts=scored.accounts, value=round(scored.tam, 2)),
        sam=Slice(name="SAM", accounts=scored.sam_accounts, value=round(sam, 2)),
        som=Slice(name="SOM", accounts=som_accounts, value=round(som_value, 2)), som_limited_by=limited,
        by_tier=scored.by_tier, by_size=scored.by_size,
        assumptions=assumptions, sensitivity=sensitivity, som_accounts_path=str(path),
    )  # fmt: skip
