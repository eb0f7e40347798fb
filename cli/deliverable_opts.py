"""The options every report-writing command shares: language, output datum, deliverables."""

from __future__ import annotations

from typing import Any

import click

from firecover.outputs.datum import OUTPUT_DATUMS
from firecover.plan.deliverables import DELIVERABLES, parse_deliverables

__all__ = [
    "chosen_deliverables",
    "datum_check_option",
    "deliverable_options",
    "lang_option",
    "map_lang_option",
    "output_datum_option",
]


def lang_option(f: Any) -> Any:
    """``--lang zh|en|both``."""
    return click.option(
        "--lang", type=click.Choice(["zh", "en", "both"], case_sensitive=False), default=None,
        help="Language of reports, map titles, legends and table headers (default: zh for a "
             "Chinese scenario, else en; both = 中文 English).",
    )(f)  # fmt: skip


def deliverable_options(f: Any) -> Any:
    """``--lang``, ``--output-datum``, ``--deliverables``, ``--no-docx``, ``--no-xlsx``,
    ``--no-atlas``."""
    f = click.option("--no-atlas", is_flag=True, help="Skip atlas.pdf (the A3 district atlas).")(f)
    f = click.option("--no-xlsx", is_flag=True, help="Skip tables.xlsx.")(f)
    f = click.option("--no-docx", is_flag=True, help="Skip report.docx.")(f)
    f = click.option(
        "--deliverables", default=None, metavar="LIST",
        help=f"Comma-separated deliverables to write ({','.join(DELIVERABLES)}, or none; "
             "default all).",
    )(f)  # fmt: skip
    return lang_option(output_datum_option(f))


def output_datum_option(f: Any) -> Any:
    """``--output-datum wgs84|gcj02|bd09|cgcs2000``."""
    return click.option(
        "--output-datum", type=click.Choice(list(OUTPUT_DATUMS), case_sensitive=False),
        default=None,
        help="Datum of longitude/latitude in CSV, GeoJSON and Excel outputs (default wgs84; "
             "gcj02 = Amap/Tencent, bd09 = Baidu, cgcs2000 = Tianditu). GeoPackage layers stay "
             "in the metric CRS.",
    )(f)  # fmt: skip


def map_lang_option(f: Any) -> Any:
    """``--lang`` for commands without a scenario (maps' titles and legends; default both)."""
    return click.option(
        "--lang", type=click.Choice(["zh", "en", "both"], case_sensitive=False), default=None,
        help="Language of the map title and legend (default both = 中文 English).",
    )(f)  # fmt: skip


def chosen_deliverables(value: str | None, *, no_docx: bool = False, no_xlsx: bool = False,
                        no_atlas: bool = False) -> tuple[str, ...]:  # fmt: skip
    """``--deliverables`` minus the ``--no-…`` switches."""
    which = parse_deliverables(value)
    drop = {name for name, off in (("docx", no_docx), ("xlsx", no_xlsx), ("atlas", no_atlas))
            if off}  # fmt: skip
    return tuple(d for d in which if d not in drop)


def datum_check_option(f: Any) -> Any:
    """``--datum-check on|off``: the GCJ-02-given-as-WGS-84 detector of station files."""
    return click.option(
        "--datum-check", type=click.Choice(["on", "off"]), default="on", show_default=True,
        help="Refuse station coordinates that look like GCJ-02 (Amap/Tencent) declared as "
             "WGS-84; off takes them as given.",
    )(f)  # fmt: skip
