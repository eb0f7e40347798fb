"""The planner's deliverables of a plan evaluation: ``report.docx``, ``tables.xlsx``,
``atlas.pdf`` (the final year's districts, :mod:`firecover.plan.atlas_files`).

:func:`plan_document` turns an evaluation (and its ``report.json`` dictionary,
:func:`~firecover.plan.report.plan_report`) into the neutral
:class:`~firecover.outputs.document.Report` in one language, with every coordinate in the
output datum; :func:`write_deliverables` renders it with the Word and Excel writers of
:mod:`firecover.outputs`.
"""

from __future__ import annotations

import datetime as _dt
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from firecover._display import figure, pct
from firecover._errors import DataFormatError
from firecover._version import __version__
from firecover.network.speeds import load_profile
from firecover.outputs.datum import OUTPUT_DATUMS, check_output_datum, lonlat_in_datum
from firecover.outputs.document import Bullets, Figure, Paragraph, Report, Section, Table
from firecover.outputs.glossary import Glossary, glossary
from firecover.outputs.labels import road_class_label, source_note, travel_model_label
from firecover.outputs.layers import SYNTHETIC_LABEL
from firecover.plan.incident_section import plan_demand_sections
from firecover.plan.report import (
    optimum_rows,
    plan_lang,
    plan_report,
    plan_title,
    plan_verdict,
    station_verdict,
)
from firecover.plan.results import PlanEvaluation, YearResult
from firecover.settings import resolve

__all__ = ["DELIVERABLES", "OUTPUT_DATUMS", "check_output_datum", "parse_deliverables",
           "plan_document", "write_deliverables"]  # fmt: skip

log = logging.getLogger(__name__)

#: Deliverables ``evaluate`` can write beside its reports (``--deliverables``).
DELIVERABLES: tuple[str, ...] = ("docx", "xlsx", "atlas")


def parse_deliverables(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """``"docx,xlsx"`` (or a list) checked against :data:`DELIVERABLES`; ``None`` = all,
    ``""`` / ``"none"`` = none."""
    if value is None:
        return DELIVERABLES
    items = value.split(",") if isinstance(value, str) else list(value)
    names = [s.strip().lower() for s in items if s.strip() and s.strip().lower() != "none"]
    unknown = sorted(set(names) - set(DELIVERABLES))
    if unknown:
        raise DataFormatError(f"unknown deliverable(s) {', '.join(unknown)}; use --deliverables "
                              f"with any of {','.join(DELIVERABLES)} (or none)")  # fmt: skip
    return tuple(d for d in DELIVERABLES if d in names)


def _num(x: Any, nd: int = 4) -> float | None:
    return None if x is None or not math.isfinite(float(x)) else round(float(x), nd)


def _years_table(doc: dict[str, Any], g: Glossary, budget: float) -> Table:
    rows = tuple((y["year"], len(y["stations"]), y["area_km2"], y["covered_km2"],
                  y["covered_share"], y["uncovered_km2"], y["gaps"],
                  "、".join(y["noncompliant"]) or g("none")) for y in doc["years"])  # fmt: skip
    cols = (g("year"), g("stations_n"), g("area_km2"), g("covered_km2", budget=budget),
            g("covered_share"), g("uncovered_km2"), g("gaps"), g("noncompliant"))  # fmt: skip
    return Table(g("years_heading"), cols, rows,
                 ("0", "0", "0.00", "0.00", "0.0%", "0.00", "0", None),
                 sheet=g("summary_sheet"))  # fmt: skip


def _year_table(yr: YearResult, g: Glossary, datum: str) -> Table:
    budget = yr.run.budget_min
    points = lonlat_in_datum([s.wgs84() for s in yr.stations], datum)
    rows, flags = [], []
    for i, (spec, c, (lon, lat)) in enumerate(zip(yr.run.stations, yr.run.checks, points,
                                                  strict=True)):  # fmt: skip
        if not c.compliant:
            flags.append(i)
        rows.append((c.name, g.value(c.class_key), g.value(spec.status), spec.year,
                     _num(c.jurisdiction_km2), c.limit_km2, _num(c.max_arrival_min, 3),
                     _num(c.reached_share), g("pass") if c.compliant else g("fail"),
                     "; ".join(g.message(r) for r in c.reasons) or None, lon, lat))  # fmt: skip
    dname = g.value(datum)
    cols = (g("station"), g("class"), g("status"), g("year"), g("district_km2"), g("limit_km2"),
            g("slowest_min"), g("reached_share", budget=budget), g("verdict"), g("reasons"),
            g("lon", datum=dname), g("lat", datum=dname))  # fmt: skip
    fmts = (None, None, None, "0", "0.00", "0.##", "0.00", "0.0%", None, None, "0.000000",
            "0.000000")  # fmt: skip
    return Table(g("table_caption_stations", year=yr.year), cols, tuple(rows), fmts,
                 sheet=g("stations_sheet", year=yr.year), flag_rows=tuple(flags),
                 word_columns=(0, 1, 2, 4, 5, 6, 7, 8))  # fmt: skip


def _stations_table(doc: dict[str, Any], g: Glossary) -> Table:
    rows, flags = [], []
    for i, s in enumerate(doc["stations"]):
        if s["compliant"] is False:
            flags.append(i)
        rows.append((s["name"] + (" ≈" if s["approximate_location"] else ""),
                     g.value(s["class_key"]), g.value(s["status"]), s["year"],
                     s["build_type"], s["jurisdiction_km2"], s["limit_km2"],
                     s["max_arrival_min"], s["marginal_covered_km2"],
                     station_verdict(s, g)))  # fmt: skip
    cols = (g("station"), g("class"), g("status"), g("year"), g("build"), g("district_km2"),
            g("limit_km2"), g("slowest_min"), g("adds_km2"), g("verdict"))  # fmt: skip
    fmts = (None, None, None, "0", None, "0.00", "0.##", "0.00", "0.00", None)
    return Table(g("stations_heading"), cols, tuple(rows), fmts, flag_rows=tuple(flags))


def _failing(ev: PlanEvaluation, g: Glossary) -> Section:
    rows = []
    for yr in ev.years:
        for c in yr.run.checks:
            if not c.compliant:
                rows.append((yr.year, c.name, g.value(c.class_key), _num(c.jurisdiction_km2),
                             c.limit_km2, _num(c.max_arrival_min, 3),
                             "; ".join(g.message(r) for r in c.reasons),
                             "; ".join(c.clauses)))  # fmt: skip
    if not rows:
        return Section(g("failing_heading"), (Paragraph(g("failing_none")),))
    cols = (g("year"), g("station"), g("class"), g("district_km2"), g("limit_km2"),
            g("slowest_min"), g("reasons"), g("clauses"))  # fmt: skip
    fmts = ("0", None, None, "0.00", "0.##", "0.00", None, None)
    table = Table(g("failing_heading"), cols, tuple(rows), fmts, sheet=g("failing_heading"),
                  flag_rows=tuple(range(len(rows))))  # fmt: skip
    return Section(g("failing_heading"), (table,))


def _optimum(doc: dict[str, Any], g: Glossary, datum: str) -> tuple[Section, Table | None]:
    opt = doc["optimum"]
    if opt is None:
        return Section(g("optimum_heading"), (Paragraph(g("not_computed")),)), None
    pairs = optimum_rows(opt, g)
    table = Table(
        g("optimum_heading"), (g("item"), g("value")), tuple(pairs), sheet=g("optimum_heading")
    )  # the counts and unreachable km² in Excel too
    rows = []
    for model in ("mclp", "area_model"):
        part = opt.get(model) or {}
        points = lonlat_in_datum(part.get("lonlat", []), datum)
        for site, (lon, lat) in zip(part.get("sites", []), points, strict=True):
            rows.append((site, "MCLP" if model == "mclp" else g("wm_area_model"), lon, lat))
    dname = g.value(datum)
    sites = Table(g("siting_sheet"), (g("site"), g("model"), g("lon", datum=dname),
                                      g("lat", datum=dname)), tuple(rows),
                  (None, None, "0.000000", "0.000000"), sheet=g("siting_sheet"))  # fmt: skip
    return Section(g("optimum_heading"), (table,)), sites


def _appendix(ev: PlanEvaluation, g: Glossary) -> Section:
    sc = ev.scenario
    prof = load_profile(sc.graph.profile or resolve(None, "speed_profile"))
    factor = float(resolve(sc.graph.congestion_factor, "congestion_factor"))
    speeds = Table(g("appendix_speeds"), (g("road_class"), g("speed_kph")),
                   tuple((road_class_label(k, g), round(v * factor, 1))
                         for k, v in prof.speeds_kph.items()),
                   (None, "0.0"))  # fmt: skip
    limits: dict[str, float] = {}
    for yr in ev.years:
        for c in yr.run.checks:
            if c.limit_km2 is not None:
                limits.setdefault(g.value(c.class_key), c.limit_km2)
    approx = [f"{s.name}: {s.source}" for s in sc.stations if s.approximate]
    return Section(g("appendix_heading"), (
        Paragraph(g("appendix_approx"), emphasis=True),
        Bullets(tuple(approx)) if approx else Paragraph(g("appendix_approx_none")),
        Paragraph(g("appendix_source"), emphasis=True),
        Bullets(tuple(f"{s.name}（{s.class_name}）: {s.source}" for s in sc.stations)),
        Paragraph(g("appendix_classes"), emphasis=True),
        Bullets(tuple(g("appendix_limit", cls=k, limit=v) for k, v in limits.items())),
        speeds,
        Paragraph(g("appendix_speeds_note") + f" ({prof.name}, ×{factor:g})", note=True),
    ))  # fmt: skip


def _cover(ev: PlanEvaluation, doc: dict[str, Any], g: Glossary, when: _dt.date,
           cell_m: float) -> tuple[tuple[str, str], ...]:  # fmt: skip
    sc = ev.scenario
    b = doc["budget_minutes"]
    src = sc.graph
    graph = str(src.file or src.place or src.polygon or src.bbox or src.kind)
    return (
        (g("cover_district"), plan_title(doc, g)),
        (g("cover_plan"), sc.description or sc.name),
        (g("cover_date"), when.isoformat()),
        (g("cover_sources"), f"{g('src_roads')}: {graph}; "
                             f"{g('src_boundary')}: {source_note(ev.boundary_note, g) or '—'}; "
                             f"{g('src_stations')}: {sc.path.name if sc.path else sc.name}"),
        (g("cover_model"), g("model_text", profile=src.profile or resolve(None, "speed_profile"),
                             turnout=b["turnout"], driving=b["driving"], cell=cell_m)),
        (g("cover_budget"), g("budget_text", turnout=b["turnout"], driving=b["driving"],
                              total=b["turnout"] + b["driving"])),
        (g("cover_software"), f"firecover {__version__}"),
    )  # fmt: skip


def _risk_tables(ev: PlanEvaluation, g: Glossary) -> tuple[Table, ...]:
    """Every risk object with its arrivals, for the workbook (``evaluate --risk``)."""
    from firecover.analysis.risk_report import risk_tables

    return risk_tables(ev.risk, g)


def plan_document(
    ev: PlanEvaluation,
    *,
    lang: str | None = None,
    datum: str = "wgs84",
    maps: Mapping[int, Path] | None = None,
    today: _dt.date | None = None,
) -> Report:
    """The evaluation as a :class:`Report` in ``lang`` with coordinates in ``datum``.

    Parameters
    ----------
    ev : PlanEvaluation
    lang : {"zh", "en", "both"}, optional
        Default: the scenario's (:func:`~firecover.plan.report.plan_lang`).
    datum : {"wgs84", "gcj02", "bd09", "cgcs2000"}
        Datum of every longitude/latitude in the tables.
    maps : mapping of int to Path, optional
        The PNG map of each year, embedded after the year's table.
    today : date, optional
        Date on the cover (default: today).
    """
    datum = check_output_datum(datum)
    g = glossary(plan_lang(ev, lang))
    doc = plan_report(ev)
    budget = doc["budget_minutes"]["turnout"] + doc["budget_minutes"]["driving"]
    final = doc["years"][-1]
    cell_m = float(resolve(None, "cell_size_m"))
    cells = ev.final.run.layers.cells
    if len(cells):
        cell_m = round(math.sqrt(float(cells.geometry.area.max())), 0)
    head = Section(g("verdict_line", year=final["year"], verdict=plan_verdict(doc, g)), (
        Paragraph(g("headline", n=len(final["stations"]), budget=budget,
                    share=pct(final["covered_share"] or 0.0, decimals=1),
                    area=figure(final["area_km2"])), emphasis=True),
        _years_table(doc, g, budget),
        _stations_table(doc, g),
        Paragraph(g("stations_note", budget=budget), note=True),
        *([Paragraph(travel_model_label(doc["travel_time_model"], g), note=True)]
          if doc.get("travel_time_model") else []),
    ))  # fmt: skip
    years = []
    for yr in ev.years:
        blocks: list[Any] = [_year_table(yr, g, datum)]
        if maps and yr.year in maps:
            blocks.append(Figure(maps[yr.year], g("map_caption", year=yr.year, budget=budget)))
        years.append(Section(g("year_heading", year=yr.year), tuple(blocks), level=2))
    optimum, sites = _optimum(doc, g, datum)
    notes = tuple(dict.fromkeys(g.message(w) for yr in ev.years
                                for w in yr.run.jurisdictions.warnings))  # fmt: skip
    sections = [head, Section(g("years_detail")), *years, _failing(ev, g), optimum]
    from firecover.plan.period_compare import periods_section

    if (by_period := periods_section(doc, g)) is not None:
        sections.insert(1, by_period)
    if ev.risk:  # evaluate --risk: risk objects and 增援 (firecover.analysis.risk_report)
        from firecover.analysis.risk_report import risk_sections

        figs = []
        if maps:  # the risk maps are written beside the yearly ones
            where = Path(next(iter(maps.values()))).parent
            figs = [(where / "map_risk.png", g("risk_layer")),
                    (where / "map_reinforce.png", g("third_arrival_min"))]  # fmt: skip
        sections += risk_sections(ev.risk, g, figs)
    sections += plan_demand_sections(ev, g)
    if notes:
        sections.append(Section(g("notes_heading"), (Bullets(notes),)))
    sections.append(_appendix(ev, g))
    return Report(
        title=plan_title(doc, g), subtitle=g("plan_title"),
        cover=_cover(ev, doc, g, today or _dt.date.today(), cell_m), sections=tuple(sections),
        lang=g.lang, stamp=SYNTHETIC_LABEL if ev.synthetic else None,
        footer=f"{plan_title(doc, g)} · {g('plan_title')} · firecover {__version__}",
        extra_tables=(*(() if sites is None or not sites.rows else (sites,)),
                      *_risk_tables(ev, g)),
    )  # fmt: skip


def write_deliverables(
    ev: PlanEvaluation,
    out_dir: Path,
    *,
    which: Sequence[str] = DELIVERABLES,
    lang: str | None = None,
    datum: str = "wgs84",
    maps: Mapping[int, Path] | None = None,
    inputs: Iterable[Path] = (),
) -> dict[str, Path]:
    """Write the chosen deliverables (``report.docx``, ``tables.xlsx``, ``atlas.pdf``) into
    ``out_dir``."""
    from firecover.outputs.docx_report import write_docx
    from firecover.outputs.xlsx_tables import write_xlsx

    paths: dict[str, Path] = {}
    if "atlas" in which:
        from firecover.plan.atlas_files import write_atlas

        paths["atlas"] = write_atlas(ev, out_dir / "atlas.pdf", lang=lang, inputs=inputs)
    if not {"docx", "xlsx"} & set(which):
        return paths
    report = plan_document(ev, lang=lang, datum=datum, maps=maps)
    inputs = tuple(inputs)
    if "docx" in which:
        paths["docx"] = write_docx(report, out_dir / "report.docx", inputs=inputs)
    if "xlsx" in which:
        paths["xlsx"] = write_xlsx(report, out_dir / "tables.xlsx", inputs=inputs)
    return paths
