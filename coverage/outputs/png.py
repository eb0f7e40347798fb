"""PNG maps written with a 256-colour palette.

A static map is flat fills, lines and text: matplotlib's Agg output of a Binhai-sized district
map (1,768 × 1,717 px) holds about 42,000 distinct colours, nearly all from anti-aliased edges,
and PNG stores it as 1.6 MB of RGBA. Reduced to an adaptive palette of :data:`PNG_COLOURS`
colours (Pillow's median cut, no dithering: dithering would speckle the flat fills) the same
map is 0.51 MB, 0.2 s more, with a mean error of 0.5 of 255 levels; white stays white (the fast
octree turned it 253 grey) and side by side at full size the two look the same (labels,
hatching, thin roads). The Word report, which embeds the maps, shrinks with them. Pillow is
matplotlib's own image library (declared as a direct dependency all the same).
"""

from __future__ import annotations

import io
import os
from typing import Any

from PIL import Image

__all__ = ["PNG_COLOURS", "save_png", "to_palette"]

#: Palette size of written PNG maps (256: one byte per pixel).
PNG_COLOURS = 256


def to_palette(rgb: Image.Image) -> Image.Image:
    """``rgb`` reduced to :data:`PNG_COLOURS` colours (median cut, no dithering)."""
    return rgb.quantize(PNG_COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)


def save_png(fig: Any, path: str | os.PathLike[str], *, dpi: float) -> None:
    """Render ``fig`` at ``dpi`` on white and write it to ``path`` as a palette PNG."""
    buf = io.BytesIO()
    fig.savefig(buf, dpi=dpi, format="png", facecolor="white")
    buf.seek(0)
    with Image.open(buf) as img:
        rgb = img.convert("RGB")
    to_palette(rgb).save(path, format="PNG", dpi=(dpi, dpi))
