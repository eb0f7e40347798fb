"""The printable atlas (``atlas.pdf``): an overview page and one A3 page per station district.

Pages (A3 landscape, :mod:`firecover.outputs.atlas_page`): page 1 is the whole planning area
with every district, station, gap and barrier and a page index; then one page per row of the
``jurisdictions`` layer (its station's district, that station's own 5-minute reach,
gaps, neighbouring stations and districts, barriers), in the order of the stations in
the run. Every page has a
title block, a scale bar at a round scale 1:N and a north arrow; labels are placed by
adjustText and never overlap (:mod:`firecover.outputs.atlas_labels`).

The PDF is written with matplotlib's :class:`~matplotlib.backends.backend_pdf.PdfPages`. Text
uses the CJK family of :mod:`firecover.outputs.fonts` embedded as Type 42 / CID subsets
(``pdf.fonttype = 42``), so it prints on a machine without the font and the text layer holds
every name (``pdftotext``). Heavy layers are rasterised at ``dpi`` into one 256-colour image
per page (:mod:`firecover.outputs.atlas_raster`); labels stay vector.
"""

from __future__ import annotations

import logging
import os
import time
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import matplotlib
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

import firecover.outputs.fonts as _fonts
from firecover._io import atomic_path, check_not_input
from firecover._version import __version__
from firecover.outputs.atlas_page import RASTER_BELOW, AtlasContext, district_page, overview_page
from firecover.outputs.atlas_raster import flatten_below
from firecover.outputs.glossary import check_lang, glossary
from firecover.outputs.layers import CoverageLayers

__all__ = ["ATLAS_DPI", "atlas_pages", "render_atlas"]

logger = logging.getLogger(__name__)

#: Resolution of the rasterised layers (fills, roads, gaps) in the PDF.
ATLAS_DPI = 150


def atlas_pages(layers: CoverageLayers) -> int:
    """Pages the atlas of ``layers`` has: the overview and one per district."""
    return 1 + (len(layers.jurisdictions) if layers.has("jurisdictions") else 0)


def render_atlas(
    layers: CoverageLayers,
    path: str | os.PathLike[str],
    *,
    plan: str = "",
    lang: str = "both",
    dpi: int = ATLAS_DPI,
    inputs: Iterable[str | os.PathLike[str]] = (),
    reasons: Mapping[str, Sequence[str]] | None = None,
    note: str = "",
) -> Path:
    """Write the atlas of ``layers`` to a multi-page PDF, atomically.

    Parameters
    ----------
    layers : CoverageLayers
        One coverage run (a plan's final year) in its metric CRS.
    path : path-like
        Destination ``.pdf``; an existing file is replaced only when the new one is complete.
    plan : str
        The plan's name for the title blocks.
    lang : {"zh", "en", "both"}
        Language of titles, title blocks and legends (English without a CJK font).
    dpi : int
        Resolution of the rasterised layers.
    inputs : iterable of path-like
        Input files; writing over one of them is refused.
    reasons : mapping of str to sequence of str, optional
        Each station's check reasons (``"中文 / English"``); default the layer's joined string.
    note : str
        A line for the overview page's title block (e.g. which plan year is drawn).

    Returns
    -------
    Path
        The written file.
    """
    lang = check_lang(lang)
    dest = Path(path)
    check_not_input(dest, inputs)
    font = _fonts.find_cjk_font()
    g = glossary(lang if font is not None else "en")
    rc: dict[str, Any] = {"font.family": _fonts.font_families(), "axes.unicode_minus": False,
                          "hatch.linewidth": 0.6, "text.parse_math": False,
                          "pdf.fonttype": 42,
                          "agg.path.chunksize": 20000}  # fmt: skip
    jur = layers.jurisdictions
    rows = jur  # the stations' own order (the scenario's, as in the report's tables)
    total = atlas_pages(layers)
    start = time.perf_counter()
    with matplotlib.rc_context(cast(Any, rc)), warnings.catch_warnings():
        if font is None:
            warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        ctx = AtlasContext(
            layers,
            g,
            _fonts.bold_weight(),
            plan,
            total,
            {k: list(v) for k, v in (reasons or {}).items()},
            note,
        )
        index = [(i + 2, str(r["station"])) for i, (_, r) in enumerate(rows.iterrows())]
        meta = _metadata(layers, g("atlas_title"), plan)
        with atomic_path(dest) as tmp, PdfPages(tmp, metadata=meta) as pdf:
            pdf.savefig(_flat(overview_page(ctx, index), dpi), dpi=dpi, facecolor="white")
            for n, (_, row) in enumerate(rows.iterrows(), start=2):
                pdf.savefig(_flat(district_page(ctx, row, n), dpi), dpi=dpi, facecolor="white")
                logger.debug("atlas page %d / %d: %s", n, total, row["station"])
    logger.info("wrote atlas %s (%d pages, %.1f s)", dest, total, time.perf_counter() - start)
    return dest


def _flat(fig: Figure, dpi: int) -> Figure:
    """The page with its map's raster layers as one palette image (:mod:`.atlas_raster`)."""
    flatten_below(fig.axes[0], dpi, RASTER_BELOW)
    return fig


def _metadata(layers: CoverageLayers, title: str, plan: str) -> dict[str, Any]:
    meta = layers.meta
    return {"Title": f"{title} · {meta.display_title()}",
            "Subject": plan or meta.display_title(),
            "Creator": f"firecover {__version__}",
            "Keywords": "GB 51080-2015; 建标152-2017; fire station districts"}  # fmt: skip
