"""Palette PNG maps: one byte per pixel, and close to matplotlib's own full-colour render."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np
from matplotlib.figure import Figure
from PIL import Image

from firecover.outputs.png import PNG_COLOURS, save_png


def _figure() -> Figure:
    fig = Figure(figsize=(4, 3))
    ax = fig.add_subplot()
    rng = np.random.default_rng(0)
    for _ in range(40):  # anti-aliased lines and fills: thousands of colours in Agg
        ax.plot(*rng.random((2, 5)), lw=1.5, alpha=0.7)
    ax.fill_between([0, 1], 0.2, 0.4, color="tab:red", alpha=0.3, hatch="//")
    ax.set_title("消防站 coverage 5 min")
    return fig


def test_palette_png_is_small_and_faithful(tmp_path: Path) -> None:
    fig = _figure()
    full = io.BytesIO()
    fig.savefig(full, dpi=120, format="png", facecolor="white")
    full.seek(0)
    with Image.open(full) as img:
        ref = np.asarray(img.convert("RGB"), dtype=float)
    out = tmp_path / "m.png"
    save_png(fig, out, dpi=120)
    with Image.open(out) as img:
        assert img.mode == "P" and img.size == (480, 360)
        assert len(img.getcolors(PNG_COLOURS) or ()) <= PNG_COLOURS
        assert round(img.info["dpi"][0]) == 120
        got = np.asarray(img.convert("RGB"), dtype=float)
    assert len(np.unique(ref.reshape(-1, 3), axis=0)) > PNG_COLOURS  # the reduction was real
    assert np.abs(got - ref).mean() < 3.0  # mean error in 0-255 levels (a real map: 0.5)
    assert (got[0, 0] == 255).all()  # the white margin stays white
    assert np.percentile(np.abs(got - ref).max(axis=2), 99) < 24
    assert out.stat().st_size < full.getbuffer().nbytes
