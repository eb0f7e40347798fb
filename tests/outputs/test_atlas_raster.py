"""The atlas map's raster layers as one palette image (``firecover.outputs.atlas_raster``).

Oracle: matplotlib's own Agg rendering of the same figure before flattening (the flattened
figure must look the same, pixel for pixel up to the palette), and poppler's ``pdfimages``
reading the written PDF (an independent reader: the image is stored indexed).
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.patches import Rectangle
from PIL import Image

from firecover.outputs.atlas_raster import flatten_below

BELOW = 3.9


def _figure() -> Figure:
    # an A3-like odd size, so that the page height is not a whole number of pixels
    fig = Figure(figsize=(8.27, 5.83))
    ax = fig.add_axes((0.07, 0.11, 0.6, 0.8))
    rng = np.random.default_rng(1)
    for i in range(30):  # raster layer: fills and anti-aliased lines, many colours
        x, y = rng.random(2) * 900
        ax.add_patch(Rectangle((x, y), 120, 80, facecolor=f"C{i % 10}", alpha=0.5, zorder=1))
        ax.plot(*(rng.random((2, 4)) * 1000), color="0.4", lw=0.8, zorder=2)
    ax.add_patch(Rectangle((200, 300), 400, 250, fill=False, edgecolor="navy", lw=2, zorder=5))
    ax.text(400, 600, "消防站", zorder=9)
    ax.set_xlim(0, 1000)
    ax.set_ylim(0, 1000)
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_rasterization_zorder(BELOW)
    side = fig.add_axes((0.72, 0.11, 0.25, 0.8))
    side.plot([0, 1], [0, 1])
    fig.text(0.02, 0.02, "footer")
    return fig


def _agg(fig: Figure, dpi: float) -> np.ndarray:
    buf = io.BytesIO()
    fig.savefig(buf, dpi=dpi, format="png")
    buf.seek(0)
    with Image.open(buf) as img:
        return np.asarray(img.convert("RGB"), dtype=float)


def test_flattened_page_looks_the_same_and_keeps_the_rest_vector() -> None:
    dpi = 150
    before = _agg(_figure(), dpi)
    fig = _figure()
    ax = fig.axes[0]
    fig.savefig(io.BytesIO(), dpi=dpi, format="png")  # the view after the aspect is applied
    limits = (ax.get_xlim(), ax.get_ylim())
    flatten_below(ax, dpi, BELOW)
    images = [a for a in ax.get_children() if isinstance(a, AxesImage)]
    assert len(images) == 1 and ax.get_rasterization_zorder() is None
    assert (ax.get_xlim(), ax.get_ylim()) == limits
    low = [a for a in ax.patches + ax.lines if a.get_zorder() < BELOW]
    assert low and not any(a.get_visible() for a in low)
    assert all(a.get_visible() for a in ax.patches if a.get_zorder() >= BELOW)
    assert fig.axes[1].get_visible() and fig.texts[0].get_visible()
    colours = np.unique(images[0].get_array().reshape(-1, 3), axis=0)
    assert len(colours) <= 256
    after = _agg(fig, dpi)
    assert after.shape == before.shape
    diff = np.abs(after - before).max(axis=2)
    assert diff.mean() < 2.0  # palette error only: no shift, nothing lost
    assert np.percentile(diff, 99.5) < 60


def test_nothing_below_leaves_the_axes_as_they_are() -> None:
    fig = Figure()
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], zorder=5)
    ax.set_rasterization_zorder(BELOW)
    flatten_below(ax, 100, BELOW)
    assert not [a for a in ax.get_children() if isinstance(a, AxesImage)]
    assert ax.get_rasterization_zorder() is None


@pytest.mark.skipif(shutil.which("pdfimages") is None, reason="poppler-utils not installed")
def test_pdf_stores_the_map_image_indexed_and_smaller(tmp_path: Path) -> None:
    sizes = {}
    for name, flat in (("plain", False), ("flat", True)):
        fig = _figure()
        if flat:
            flatten_below(fig.axes[0], 150, BELOW)
        path = tmp_path / f"{name}.pdf"
        with PdfPages(path) as pdf:
            pdf.savefig(fig, dpi=150)
        listing = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True,
                                 text=True, check=True).stdout.splitlines()[2:]  # fmt: skip
        colour = [row.split()[5] for row in listing if row.split()[2] == "image"]
        assert colour == (["index"] if flat else ["rgb"])
        sizes[name] = path.stat().st_size
    assert sizes["flat"] < sizes["plain"]
