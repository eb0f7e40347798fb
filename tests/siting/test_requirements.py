"""Tests for firecover.siting.requirements: covering with hard class / k-coverage rows.

Oracle: brute force over every set of new sites on tiny random instances.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from firecover._errors import InfeasibleModelError
from firecover.siting.api import evaluate_mclp
from firecover.siting.requirements import Requirement, check_requirements, required_cover


def _brute(
    cov: np.ndarray, w: np.ndarray, reqs: list[Requirement], p: int | None, fixed: list[int]
) -> tuple[int, float] | None:
    """(new sites, best covered weight) of the exact optimum, or None if infeasible."""
    n = cov.shape[1]
    free = [j for j in range(n) if j not in fixed]
    sizes = range(len(free) + 1) if p is None else [p]
    for size in sizes:
        best = None
        for combo in itertools.combinations(free, size):
            sites = sorted([*fixed, *combo])
            if check_requirements(reqs, sites):
                continue
            v = evaluate_mclp(cov, w, sites)
            best = v if best is None else max(best, v)
        if best is not None:
            return size, best
    return None


@st.composite
def _instance(draw: st.DrawFn) -> tuple:  # type: ignore[type-arg]
    n_rows = draw(st.integers(1, 6))
    n_sites = draw(st.integers(2, 6))
    n_obj = draw(st.integers(0, 3))
    cov = np.array(
        draw(st.lists(st.booleans(), min_size=n_rows * n_sites, max_size=n_rows * n_sites))
    ).reshape(n_rows, n_sites)
    w = np.array(draw(st.lists(st.integers(1, 9), min_size=n_rows, max_size=n_rows)), float)
    reach = np.array(
        draw(st.lists(st.booleans(), min_size=n_obj * n_sites, max_size=n_obj * n_sites))
    ).reshape(n_obj, n_sites)
    k = np.array(draw(st.lists(st.integers(1, 3), min_size=n_obj, max_size=n_obj)), np.int64)
    fixed = draw(st.lists(st.integers(0, n_sites - 1), max_size=1, unique=True))
    p = draw(st.one_of(st.none(), st.integers(0, n_sites - len(fixed))))
    return cov, w, reach, k, fixed, p


@settings(max_examples=60, deadline=None)
@given(_instance())
def test_matches_brute_force(inst: tuple) -> None:  # type: ignore[type-arg]
    cov, w, reach, k, fixed, p = inst
    reqs = [Requirement(sp.csr_array(reach), k, label="r")]
    if np.any(reach.sum(axis=1) < k):
        with pytest.raises(InfeasibleModelError):
            required_cover(cov, w, reqs, p=p, fixed=fixed)
        return
    exact = _brute(cov, w, reqs, p, fixed)
    res = required_cover(cov, w, reqs, p=p, fixed=fixed)
    if exact is None:
        assert res.status == "infeasible"
        return
    assert res.status == "optimal"
    assert check_requirements(reqs, res.sites) == []
    assert set(fixed) <= set(res.sites.tolist())
    assert res.new_sites.size == exact[0]
    assert res.objective == pytest.approx(exact[1])


def test_hand_case_forces_a_worse_mclp() -> None:
    # site 0 covers the heavy rows, site 1 is the only one near the hazardous site
    cov = np.array([[1, 0], [1, 0], [0, 1]], bool)
    w = np.array([5.0, 5.0, 1.0])
    hz = Requirement(sp.csr_array(np.array([[0, 1]], bool)), np.array([1]), ["化工厂"], "危化品")
    free = required_cover(cov, w, [], p=1)
    assert free.sites.tolist() == [0] and free.objective == 10.0
    forced = required_cover(cov, w, [hz], p=1)
    assert forced.sites.tolist() == [1] and forced.objective == 1.0
    assert check_requirements([hz], [0]) == ["危化品: 化工厂 has 0 of 1 station(s)"]


def test_k_coverage_needs_three_sites() -> None:
    cov = np.eye(4, dtype=bool)
    reach = np.array([[1, 1, 1, 0]], bool)
    req = Requirement(sp.csr_array(reach), np.array([3]), ["油库"], "增援 3 in 15 min")
    res = required_cover(cov, np.ones(4), [req])  # fewest sites meeting it
    assert res.sites.tolist() == [0, 1, 2] and res.objective == 3.0
    assert required_cover(cov, np.ones(4), [req], p=2).status == "infeasible"
    with pytest.raises(InfeasibleModelError, match="needs 4"):
        required_cover(cov, np.ones(4), [Requirement(sp.csr_array(reach), np.array([4]))])
