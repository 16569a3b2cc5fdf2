"""Tests for the headless PNG charts: valid files, empty inputs, money labels, stable bytes, atomic writes."""

from __future__ import annotations

import ast
import base64
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import matplotlib.image
import pytest
from matplotlib.figure import Figure

from icp_assistant.tools.core import charts
from icp_assistant.tools.core.charts import (
    LiftBar,
    SegmentPoint,
    bar_breakdown,
    breakdown,
    bubbles,
    concentration,
    lift,
    lift_bars,
    money,
    png_base64,
    segment_bubbles,
    style,
    value_concentration,
)
from icp_assistant.tools.core.errors import OptionError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
WIDTH_PX, HEIGHT_PX = 1200, 675  # 8 x 4.5 inches at 150 dpi

BARS = [
    LiftBar("industry = Fintech", 2.4, 1.7, 3.3, 42, True),
    LiftBar("employees = 201-500", 1.9, 1.3, 2.7, 35, True),
    LiftBar("country = Germany", 1.6, 0.9, 2.6, 18, False),
    LiftBar("plan = Enterprise ($50k+)", 1.2, None, None, 12, False),
    LiftBar("industry = Retail", 0.55, 0.35, 0.85, 14, True),
    LiftBar("employees = 1-10", 0.0, 0.0, 0.5, 0, True),
]
POINTS = [
    SegmentPoint("Fintech mid-market", 48_000, 0.34, 0.27, 0.42, 120, False),
    SegmentPoint("SaaS SMB", 12_000, 0.22, 0.18, 0.27, 300, False),
    SegmentPoint("Healthcare enterprise", 180_000, 0.18, 0.08, 0.33, 25, True),
    SegmentPoint("Retail SMB", 9_000, 0.12, None, None, 150, False),
    SegmentPoint("Public sector", None, 0.10, None, None, 10, True),
]
VALUES = [float(v) for v in (120_000, 80_000, 45_000, 20_000, 9_000, 5_000, 3_000, 1_000, 800, 200)]

Chart = Callable[[Path], Path]
CHART_MODULES = (lift, bubbles, concentration, breakdown)  # each draws its own empty panel

CHARTS: dict[str, Chart] = {
    "lift_bars": lambda p: lift_bars(BARS, p, title="What sets won accounts apart", subtitle="Won vs lost"),
    "segment_bubbles": lambda p: segment_bubbles(POINTS, p, title="Where the good deals are", base_rate=0.21),
    "segment_bubbles_without_rates": lambda p: segment_bubbles(
        [SegmentPoint(s.name, s.value, None, None, None, s.accounts, s.low_confidence) for s in POINTS],
        p,
        title="Segments by value",
    ),
    "value_concentration": lambda p: value_concentration(VALUES, p, title="Revenue concentration"),
    "bar_breakdown": lambda p: bar_breakdown(
        ["1-10", "11-50", "51-200", "201-500"],
        [0.1, 0.2, 0.45, 0.25],
        p,
        title="Revenue share by size",
        value_format="{:.0%}",
        highlight=["51-200"],
    ),
}

EMPTY_CHARTS: dict[str, Chart] = {
    "lift_bars": lambda p: lift_bars([], p, title="No lift"),
    "lift_bars_all_nan": lambda p: lift_bars(
        [LiftBar("x", float("nan"), None, None, 3, False)], p, title="No finite lift"
    ),
    "segment_bubbles": lambda p: segment_bubbles([], p, title="No segments"),
    "segment_bubbles_without_values": lambda p: segment_bubbles(
        [SegmentPoint("A", None, 0.2, None, None, 4, True)], p, title="No values"
    ),
    "value_concentration": lambda p: value_concentration([], p, title="No values"),
    "value_concentration_all_zero": lambda p: value_concentration([0.0, 0.0], p, title="Zero value"),
    "bar_breakdown": lambda p: bar_breakdown([], [], p, title="No bars"),
}


def _assert_valid_png(path: Path) -> None:
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    pixels = matplotlib.image.imread(path)
    assert pixels.shape[:2] == (HEIGHT_PX, WIDTH_PX)
    assert pixels.shape[2] in (3, 4)
    assert pixels.min() < 0.5 < pixels.max(), "the image should have dark ink on a light background"


# --------------------------------------------------------------------------------------------------
# money
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (0, "$0"),
        (950, "$950"),
        (999.4, "$999"),
        (999.6, "$1k"),
        (1_000, "$1k"),
        (1_234, "$1.2k"),
        (9_960, "$10k"),
        (12_000, "$12k"),
        (123_456, "$123k"),
        (999_600, "$1M"),
        (1_200_000, "$1.2M"),
        (45_000_000, "$45M"),
        (3_400_000_000, "$3.4B"),
        (1_200_000_000_000, "$1,200B"),
        (-1_200_000, "-$1.2M"),
        (-950, "-$950"),
        (-0.3, "$0"),
    ],
)
def test_money_formats_amounts_compactly(amount: float, text: str) -> None:
    assert money(amount) == text


@pytest.mark.parametrize("amount", [float("nan"), float("inf"), float("-inf")])
def test_money_says_n_a_for_amounts_that_are_not_finite(amount: float) -> None:
    assert money(amount) == "n/a"


# --------------------------------------------------------------------------------------------------
# Every chart
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_each_chart_writes_a_readable_png_of_the_slide_size(name: str, tmp_path: Path) -> None:
    path = tmp_path / f"{name}.png"
    assert CHARTS[name](path) == path
    _assert_valid_png(path)


@pytest.mark.parametrize("name", sorted(EMPTY_CHARTS))
def test_empty_inputs_draw_the_no_pattern_panel_instead_of_raising(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    panels: list[str] = []
    original = style.empty_panel

    def spy(ax: Any, message: str, detail: str) -> None:
        panels.append(message)
        original(ax, message, detail)

    for module in CHART_MODULES:
        monkeypatch.setattr(module, "empty_panel", spy)
    path = EMPTY_CHARTS[name](tmp_path / f"{name}.png")
    assert len(panels) == 1 and panels[0].startswith(("No ", "Nothing"))
    _assert_valid_png(path)


def test_the_lift_chart_says_no_reliable_pattern_when_there_are_no_bars(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    panels: list[str] = []
    monkeypatch.setattr(lift, "empty_panel", lambda ax, message, detail: panels.append(message))
    lift_bars([], tmp_path / "lift.png", title="Lift")
    assert panels == ["No reliable pattern"]


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_the_same_input_gives_identical_png_bytes(name: str, tmp_path: Path) -> None:
    first = CHARTS[name](tmp_path / "a.png").read_bytes()
    second = CHARTS[name](tmp_path / "b.png").read_bytes()
    assert first == second


def test_the_png_carries_no_software_version_or_timestamp(tmp_path: Path) -> None:
    data = CHARTS["bar_breakdown"](tmp_path / "chart.png").read_bytes()
    assert b"Software" not in data
    assert b"tIME" not in data


@pytest.mark.slow
def test_charts_drawn_in_parallel_threads_match_the_serial_ones(tmp_path: Path) -> None:
    serial = {name: chart(tmp_path / f"serial-{name}.png").read_bytes() for name, chart in CHARTS.items()}
    with ThreadPoolExecutor(max_workers=len(CHARTS)) as pool:
        paths = dict(zip(CHARTS, pool.map(lambda name: CHARTS[name](tmp_path / f"{name}.png"), CHARTS), strict=True))
    for name, path in paths.items():
        assert path.read_bytes() == serial[name], name


# --------------------------------------------------------------------------------------------------
# Writing the file
# --------------------------------------------------------------------------------------------------


def test_a_chart_can_be_written_into_a_folder_that_does_not_exist_yet(tmp_path: Path) -> None:
    path = tmp_path / "new" / "nested" / "chart.png"
    CHARTS["value_concentration"](path)
    _assert_valid_png(path)


def test_writing_replaces_an_existing_file_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    path = tmp_path / "chart.png"
    path.write_bytes(b"old")
    CHARTS["lift_bars"](path)
    _assert_valid_png(path)
    assert [p.name for p in tmp_path.iterdir()] == ["chart.png"]


def test_a_failed_render_keeps_the_old_file_and_cleans_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "chart.png"
    path.write_bytes(b"old")

    def broken(self: Figure, *args: Any, **kwargs: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(Figure, "savefig", broken)
    with pytest.raises(OSError, match="disk full"):
        CHARTS["bar_breakdown"](path)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["chart.png"]


def test_png_base64_round_trips_the_file_bytes(tmp_path: Path) -> None:
    path = CHARTS["bar_breakdown"](tmp_path / "chart.png")
    text = png_base64(path)
    assert text.isascii()
    assert base64.b64decode(text) == path.read_bytes()


def test_the_charts_module_never_uses_pyplot_global_state(tmp_path: Path) -> None:
    modules: set[str] = set()
    for file in sorted(Path(charts.__file__).parent.glob("*.py")):
        tree = ast.parse(file.read_text(encoding="utf-8"))
        modules |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        modules |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert not any("pyplot" in module for module in modules)
    CHARTS["segment_bubbles"](tmp_path / "chart.png")
    if "matplotlib.pyplot" in sys.modules:
        assert sys.modules["matplotlib.pyplot"].get_fignums() == []


# --------------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------------


def test_dollar_signs_in_labels_are_printed_not_read_as_mathtext(tmp_path: Path) -> None:
    labels = ["<$1M", "$1M-$5M", r"$\nosuchmacro$ band"]
    path = bar_breakdown(labels, [3.0, 2.0, 1.0], tmp_path / "chart.png", title="Bands from $1M to $5M")
    _assert_valid_png(path)


def test_the_bubble_chart_falls_back_to_accounts_and_says_so_without_win_rates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    subtitles: list[str | None] = []
    original = style.new_figure

    def spy(title: str, subtitle: str | None, *size: Any) -> Any:
        subtitles.append(subtitle)
        return original(title, subtitle, *size)

    monkeypatch.setattr(bubbles, "new_figure", spy)
    CHARTS["segment_bubbles_without_rates"](tmp_path / "chart.png")
    assert subtitles[0] is not None
    assert subtitles[0].startswith("No win rates available")
    assert "1 segment without data left out" in subtitles[0]


def test_the_concentration_curve_puts_the_top_share_where_the_values_say() -> None:
    curve = concentration._cumulative_share([60.0, 10.0, 10.0, 10.0, 10.0, float("nan"), -5.0])
    assert curve is not None
    x, y = curve
    assert x[-1] == y[-1] == 1.0
    # six accounts counted (NaN dropped, the negative one as zero): the top one holds 60%.
    assert y[1] == pytest.approx(0.6)
    assert len(x) == 7


@pytest.mark.parametrize("share", [0.0, 1.0, -0.2, 1.5])
def test_value_concentration_rejects_a_top_share_outside_zero_to_one(share: float, tmp_path: Path) -> None:
    with pytest.raises(OptionError, match="top_share"):
        value_concentration(VALUES, tmp_path / "chart.png", title="T", top_share=share)


def test_bar_breakdown_rejects_labels_and_values_of_different_lengths(tmp_path: Path) -> None:
    with pytest.raises(OptionError, match="one value per label"):
        bar_breakdown(["a", "b"], [1.0], tmp_path / "chart.png", title="T")


# Documents: currency, tier colours, numbered bubbles
# --------------------------------------------------------------------------------------------------


def test_money_carries_the_files_currency_or_none_when_it_is_not_stated() -> None:
    assert money(16_600, "€") == "€17k" and money(-1_200_000, "£") == "-£1.2M" and money(950, "") == "950"
    assert style.MoneyTicks(hide_negative=True, symbol="").format_ticks([15_000.0, 30_000.0]) == ["15k", "30k"]


def _rows_of(image: Any, colour: str) -> list[int]:
    """Pixel rows where the colour fills at least a few pixels (bars are flat fills)."""
    rgb = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    hits = (abs(image[:, :, :3] - rgb) < 1 / 255).all(axis=2)
    return [int(r) for r in hits.sum(axis=1).nonzero()[0] if hits[r].sum() > 20]


def test_tiers_keep_their_order_and_their_colours(tmp_path: Path) -> None:
    path = bar_breakdown(["green", "yellow", "red"], [0.3, 0.5, 0.1], tmp_path / "tiers.png", title="Win rate",
                         colours=style.TIER_COLOURS, keep_order=True)  # fmt: skip
    image = matplotlib.image.imread(path)
    rows = {tier: _rows_of(image, style.TIER_COLOURS[tier]) for tier in ("green", "yellow", "red")}
    assert all(rows.values()), {k: len(v) for k, v in rows.items()}  # each tier drawn in its own colour
    assert max(rows["green"]) < min(rows["yellow"]) and max(rows["yellow"]) < min(rows["red"])  # as given
    assert _rows_of(image, style.BLUE) == []  # no bar left in the default blue


def test_a_compact_chart_has_the_size_asked_for(tmp_path: Path) -> None:
    path = segment_bubbles(POINTS, tmp_path / "chart.png", title="Segments", numbered=True, size=style.COMPACT)
    height, width = matplotlib.image.imread(path).shape[:2]
    assert (width, height) == (round(style.COMPACT[0] * style.DPI), round(style.COMPACT[1] * style.DPI))


def test_numbered_bubbles_differ_from_named_ones_and_names_wrap_instead_of_being_cut(tmp_path: Path) -> None:
    named = segment_bubbles(POINTS, tmp_path / "named.png", title="Segments")
    numbered = segment_bubbles(POINTS, tmp_path / "numbered.png", title="Segments", numbered=True)
    assert named.read_bytes() != numbered.read_bytes()
    name = "Healthcare · Large (1,000+) · Microsoft Dynamics 365"
    lines = charts.labels.wrapped(name).split("\n")
    assert " ".join(lines) == name and all(len(line) <= charts.labels.LINE_CHARS for line in lines)
