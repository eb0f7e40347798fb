"""Coverage layers built by hand for the output tests (three stations, a few cells)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString, Point, box

from firecover.outputs import (
    CoverageLayers,
)

CRS = "EPSG:32650"
X0, Y0 = 617000.0, 4290000.0
NAMES = ("文化路消防救援站", "兴业路消防救援站", "澜北小型消防站")


def _stations() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "name": list(NAMES),
            "class_key": ["standard_2", "standard_1", "small"],
            "class_zh": ["二级普通消防站", "一级普通消防站", "小型普通消防站"],
            "status": ["existing", "existing", "proposed"],
            "year": pd.array([2008, None, 2024], dtype="Int64"),
            "snap_m": [3.5, 0.0, 12.25],
        },
        geometry=[
            Point(X0 + 300, Y0 + 300),
            Point(X0 + 1500, Y0 + 400),
            Point(X0 + 900, Y0 + 1700),
        ],
        crs=CRS,
    )


def _cells(covered_limit: float = 5.0) -> gpd.GeoDataFrame:
    size, rows = 500.0, []
    for j in range(4):
        for i in range(4):
            best = 1.5 + 0.9 * (i + j)
            rows.append({
                "cell_id": 4 * j + i, "area_km2": 0.25, "weight": 1.0 + i,
                "risk": "高" if i == j else "一般", "best_min": best,
                "station": NAMES[0] if i < 2 else NAMES[1], "second_min": best + 1.25,
                "covered": best <= covered_limit, "far_from_road": i == 3 and j == 3,
                "geometry": box(X0 + i * size, Y0 + j * size, X0 + (i + 1) * size,
                                Y0 + (j + 1) * size),
            })  # fmt: skip
    return gpd.GeoDataFrame(rows, crs=CRS)


def make_layers(*, synthetic: bool = True, year: int | None = 2025) -> CoverageLayers:
    """Small but complete coverage layers in EPSG:32650 with Chinese names (2 km × 2 km)."""
    cells = _cells()
    west, east = box(X0, Y0, X0 + 1000, Y0 + 2000), box(X0 + 1000, Y0, X0 + 2000, Y0 + 2000)
    jurisdictions = gpd.GeoDataFrame(
        {
            "station": [NAMES[0], NAMES[1]],
            "class_key": ["standard_2", "standard_1"],
            "area_km2": [2.0, 2.0],
            "limit_km2": [7.0, 7.0],
            "max_arrival_min": [5.7, 8.7],
            "reached_share": [0.875, 0.5],
            "compliant": [True, False],
            "reasons": ["", "边缘到达 8.7 min > 5 min; 超出面积"],
        },
        geometry=[west, east],
        crs=CRS,
    )
    gaps_geom = cells[~cells["covered"]].union_all()
    gaps = gpd.GeoDataFrame(geometry=[gaps_geom], crs=CRS).explode(ignore_index=True)
    gaps["area_km2"] = gaps.area / 1e6
    reached = cells[cells["covered"]]
    service = gpd.GeoDataFrame(
        {
            "station": [NAMES[0], NAMES[1], "(all)"],
            "minutes": [5.0] * 3,
            "driving_min": [4.0] * 3,
        },
        geometry=[
            reached[reached["station"] == NAMES[0]].union_all(),
            reached[reached["station"] == NAMES[1]].union_all(),
            reached.union_all(),
        ],
        crs=CRS,
    )
    service["area_km2"] = service.area / 1e6
    roads = gpd.GeoDataFrame(
        {
            "road_class": ["primary", "secondary", "residential", "motorway_link"],
            "oneway": [False, False, False, True],
            "name": ["文化路", "兴业路", None, "匝道"],
        },
        geometry=[
            LineString([(X0, Y0 + 300), (X0 + 2000, Y0 + 300)]),
            LineString([(X0 + 1500, Y0), (X0 + 1500, Y0 + 2000)]),
            LineString([(X0 + 300, Y0), (X0 + 300, Y0 + 2000), (X0 + 900, Y0 + 1700)]),
            LineString([(X0 + 1900, Y0 + 1900), (X0 + 1600, Y0 + 1600)]),
        ],
        crs=CRS,
    )
    river = box(X0 - 100, Y0 + 980, X0 + 2100, Y0 + 1040)
    barriers = gpd.GeoDataFrame({"kind": ["river"]}, geometry=[river], crs=CRS)
    return CoverageLayers(
        stations=_stations(),
        service_areas=service,
        jurisdictions=jurisdictions,
        cells=cells,
        gaps=gaps,
        roads=roads,
        boundary=gpd.GeoSeries([box(X0, Y0, X0 + 2000, Y0 + 2000)], crs=CRS),
        barriers=barriers,
        meta={"title": "Test District", "title_zh": "测试区", "synthetic": synthetic, "year": year},
    )


# --- container ------------------------------------------------------------------------------
