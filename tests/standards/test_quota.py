"""应建数 / 缺建率 (firecover.standards.quota) against hand computations and brute force."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firecover._errors import DataFormatError, StationClassError
from firecover.standards.quota import QuotaZone, compute_quota, consistent_required


def test_liangping_by_hand() -> None:
    # 30 km² / 7 km² = 4.29 → 5 stations; 1 built → 4 missing, 4 / 5 = 80 %.
    r = compute_quota([QuotaZone("梁平", 30.0, "一级", existing=1)])
    z = r.total
    assert (z.required, z.existing, z.shortfall, z.rate) == (5, 1, 4, 0.8)
    assert r.zones[0].limit_km2 == 7.0 and r.zones[0].basis == "area"


@pytest.mark.parametrize(
    ("cls", "limit"), [("一级", 7.0), ("二级", 4.0), ("小型站", 2.0), ("edge", 15.0), ("特勤", 7.0)]
)
def test_class_limits(cls: str, limit: float) -> None:
    r = compute_quota([QuotaZone("z", 30.0, cls, existing=0)])
    assert r.zones[0].limit_km2 == limit
    assert r.total.required == math.ceil(30.0 / limit)


def test_exact_multiple_is_not_rounded_up() -> None:
    # 0.1 + 0.2 style float noise must not turn 14 / 7 = 2 into 3.
    r = compute_quota([QuotaZone("z", 7.0 * 2 * (1 + 1e-12), "一级")])
    assert r.total.required == 2


def test_total_sums_zone_shortfalls_not_net() -> None:
    # Core: 10 km² of 二级 → 3 needed, 1 built → 2 missing. Edge: 20 km² → 2 needed, 4 built.
    r = compute_quota(
        [
            QuotaZone("core", 10.0, "二级", existing=1),
            QuotaZone("new area", 20.0, "edge", existing=4),
        ]
    )
    assert [z.shortfall for z in r.zones] == [2, 0]
    assert r.zones[1].surplus == 2
    assert (r.total.required, r.total.existing, r.total.shortfall) == (5, 5, 2)
    assert r.total.rate == pytest.approx(2 / 5)
    assert r.net_shortfall == 0


def test_given_required_wins() -> None:
    r = compute_quota([QuotaZone("city", None, existing=13, required=23)])
    assert r.total.required == 23 and r.zones[0].basis == "given"
    assert round(r.total.rate * 100) == 43


@pytest.mark.parametrize(
    "zone",
    [
        QuotaZone("z", 0.0),
        QuotaZone("z", -3.0),
        QuotaZone("z", float("nan")),
        QuotaZone("z", None),
        QuotaZone("z", 5.0, existing=-1),
        QuotaZone("z", 5.0, "战勤保障"),
    ],
)
def test_bad_zones(zone: QuotaZone) -> None:
    with pytest.raises(DataFormatError):
        compute_quota([zone])


def test_unknown_class_and_duplicates() -> None:
    with pytest.raises(StationClassError):
        compute_quota([QuotaZone("z", 5.0, "tiny")])
    with pytest.raises(DataFormatError, match="repeat"):
        compute_quota([QuotaZone("z", 5.0), QuotaZone("z", 6.0)])
    with pytest.raises(DataFormatError):
        compute_quota([])


@given(
    area=st.floats(0.01, 500.0),
    existing=st.integers(0, 100),
    cls=st.sampled_from([("一级", 7.0), ("二级", 4.0), ("小型站", 2.0), ("edge", 15.0)]),
)
def test_required_is_the_fewest_districts_that_hold_the_area(
    area: float, existing: int, cls: tuple[str, float]
) -> None:
    name, limit = cls
    r = compute_quota([QuotaZone("z", area, name, existing=existing)]).total
    # Brute force: the smallest n with n districts of the limit holding the area.
    n = next(k for k in range(1, 10_000) if k * limit >= area * (1 - 1e-9))
    assert r.required == n
    assert r.shortfall == max(0, n - existing)
    assert 0.0 <= r.rate <= 1.0


@given(rate=st.integers(0, 99), existing=st.integers(0, 60))
def test_consistent_required_matches_brute_force(rate: int, existing: int) -> None:
    got = consistent_required(rate, existing, max_required=400)
    want = [
        n
        for n in range(max(1, existing), 401)
        if math.floor(100 * (n - existing) / n + 0.5 + 1e-9) == rate
    ]
    assert got == want


def test_fuxin_rate_does_not_fit_fourteen_stations() -> None:
    # Seed 002: 43 % shortfall; 14 stations before the plan (15 after one new).
    assert consistent_required(43, 14) == []
    assert 23 in consistent_required(43, 13)
