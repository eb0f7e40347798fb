"""The atlas map's raster layers as one palette image.

matplotlib rasterises the artists below :data:`~firecover.outputs.atlas_page.RASTER_BELOW`
(fills, roads, district outlines) itself when it writes the PDF, as full-colour RGB: on a
Binhai-sized district each A3 page carries a 1,649 × 1,583 px image of 350–700 KB and the
52-page atlas is 29 MB. Its PDF writer stores an image of at most 256 colours as an indexed
one, a byte per pixel that compresses far better, but anti-aliased roads never come out that
few. :func:`flatten_below` therefore renders those artists itself (Agg, at the page's dpi, the
rest of the page hidden), reduces the map window to a 256-colour palette
(:func:`firecover.outputs.png.to_palette`: Pillow's median cut, no dithering), and puts the
result back as one unresampled image (``interpolation="none"``) in their place; everything
above stays vector.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text
from PIL import Image

from firecover.outputs.png import to_palette

__all__ = ["flatten_below"]


def flatten_below(ax: Axes, dpi: float, below: float) -> None:
    """Replace the visible artists of ``ax`` with ``zorder < below`` by one palette image.

    The axes' own rasterisation by zorder is switched off afterwards: the remaining artists
    are drawn as vector, and the image is embedded as it is (not drawn again through Agg).
    The image covers the axes' view as last drawn (limits after the aspect is applied).
    """
    fig = ax.get_figure(root=True)
    assert fig is not None
    # text stays vector whatever its zorder (the PDF's text layer holds every name), and so
    # do the frame and the (tickless) axes
    low = [a for a in ax.get_children()
           if a is not ax.patch and a.get_visible() and a.get_zorder() < below
           and not isinstance(a, Text) and a not in ax.spines.values()
           and a not in (ax.xaxis, ax.yaxis)]  # fmt: skip
    if not low:
        ax.set_rasterization_zorder(None)
        return
    hidden = [a for a in _everything(fig) if a.get_visible() and a not in low
              and a is not ax.patch and a is not fig.patch and a is not ax]  # fmt: skip
    saved_dpi = fig.dpi
    try:
        for a in hidden:
            a.set_visible(False)
        fig.dpi = dpi
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        pixels = np.asarray(canvas.buffer_rgba())
        box = ax.get_window_extent()
        height = pixels.shape[0]
        px0, px1 = max(0, math.floor(box.x0)), min(pixels.shape[1], math.ceil(box.x1))
        py0, py1 = max(0, math.floor(box.y0)), min(height, math.ceil(box.y1))
        crop = np.ascontiguousarray(pixels[height - py1 : height - py0, px0:px1, :3])
        inv = ax.transData.inverted()
        (x0, y0), (x1, y1) = inv.transform([(px0, py0), (px1, py1)])
    finally:
        fig.dpi = saved_dpi
        for a in hidden:
            a.set_visible(True)
    pal = to_palette(Image.fromarray(crop))
    for a in low:
        a.set_visible(False)
    xlim, ylim = ax.get_xlim(), ax.get_ylim()
    aspect, adjustable = ax.get_aspect(), ax.get_adjustable()
    ax.imshow(np.asarray(pal.convert("RGB")), extent=(x0, x1, y0, y1), origin="upper",
              interpolation="none", aspect="auto", zorder=0.0)  # fmt: skip
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    ax.set_aspect(aspect, adjustable=adjustable)
    ax.set_rasterization_zorder(None)


def _everything(fig: Any) -> list[Any]:
    """Every artist that draws itself on ``fig``: other axes, figure texts, and the children
    of each axes (so that hiding them leaves only the chosen ones)."""
    out: list[Any] = []
    for child in fig.get_children():
        if isinstance(child, Axes):
            out.append(child)
            out.extend(child.get_children())
        else:
            out.append(child)
    return out
