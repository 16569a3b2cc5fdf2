"""Deals join their accounts by id: a deals column of integers is matched as numbers, which must give exactly the
accounts that comparing the references' text ("42") with the account ids gives, whatever the ids look like."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from icp_assistant.tools.ingest.deals import _integer_positions, _positions, join_deals

PLAIN = [str(i) for i in range(-3, 40)]
ODD = ["007", "05", "-0", "9223372036854775807", None, None]  # written otherwise, or missing: only text can match
NOT_INTEGERS = ["+5", " 4", "3.0", "99999999999999999999", "A-1"]  # no integer at all: the texts are compared


@pytest.mark.parametrize("seed", range(40))
def test_integer_references_join_the_accounts_their_text_joins(seed: int) -> None:
    rng = np.random.default_rng(seed)
    cells = list(rng.choice(np.array(PLAIN + ODD, dtype=object), int(rng.integers(1, 80))))
    if seed % 4 == 0:
        cells.insert(int(rng.integers(0, len(cells) + 1)), NOT_INTEGERS[seed % 5])
    ids = pd.Series(cells, dtype="str")
    refs = pd.Series(rng.integers(-5, 45, int(rng.integers(1, 120))), dtype="int64")
    refs.iloc[0] = np.iinfo(np.int64).max
    as_text = _positions(ids, refs.astype(str))
    as_numbers = _integer_positions(ids, refs)
    if seed % 4 == 0:
        assert as_numbers is None  # an id that is no integer: the texts are compared
    else:
        assert as_numbers is not None
        np.testing.assert_array_equal(as_numbers, as_text)


def test_a_deals_file_of_integer_ids_joins_as_its_text_would() -> None:
    accounts = pd.DataFrame({"account_id": pd.Series(["10", "011", "12", None, "14"], dtype="str")})
    deals = pd.DataFrame(
        {"deal_account": [10, 11, 12, 14, 14, 99], "deal_stage": ["Won", "Lost", "Won", "x", "Won", "y"]}
    )
    joined, info = join_deals(accounts, deals)
    assert joined["account_key"].tolist()[:5] == [0, None, 2, 4, 4] or joined["account_key"].isna().tolist() == [
        False,
        True,
        False,
        False,
        False,
        True,
    ]
    assert (info.key, info.matched, info.unknown_account, info.without_account) == ("id", 4, 2, 0)
    assert info.unknown_examples == ["11", "99"]
