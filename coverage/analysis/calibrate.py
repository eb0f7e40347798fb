"""Fitting per-class fire-engine speeds to response records on the road network.

Model. Record *i* drove from its station's road position to the arrival point along the
fastest path under the current speeds. Its predicted driving time is

    t̂_i = a_i + Σ_c L_ic · x_c,      x_c = 3.6 / v_c  (s per m; v_c km/h),

with ``a_i`` the two access legs (snap distances at ``access_speed_kph``) and ``L_ic`` the
metres of road class *c* on the path (partial first and last edges included). For fixed paths
this is linear in ``x``: :func:`scipy.optimize.lsq_linear` solves min ‖L x − (t − a)‖² with
bounds ``v_c ∈ [min_kph, cap_kph]``. Paths depend on ``x``, so the fit iterates — route with the
current speeds, refit, reroute — until no speed moves by more than 0.5 % (at most
``max_iter`` rounds). Classes driven less than ``min_class_km`` in total (or by fewer than
``min_class_records`` runs) keep their profile speed (their time goes into ``a_i``).

Outliers, rejected with a reason: the station is not in the station file (``unknown_station``);
the point lies farther than ``snap_max_m`` from any road (``far_from_road``: wrong coordinates);
the recorded time is not positive (``times_out_of_order``); it is below 0.8 × the network minimum
(every class at ``cap_kph``) minus 10 s (``faster_than_network``: the engine did not come from
this station, or the coordinates are wrong); after a fit, the record is more than 3× its
predicted time and 120 s over it, or its residual exceeds max(90 s, 5 × the scaled median
absolute residual) (``far_above`` / ``residual``: the engine came from elsewhere or stopped).

Held-out check: every fifth usable record (file order) is held out, the speeds are fitted on the
rest and the held-out error is reported before and after; the reported speeds are then fitted on
all usable records. Confidence intervals (95 %) come from the linearised covariance
s² (LᵀL)⁻¹ of ``x`` at the solution, mapped to km/h (v = 3.6 / x).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pyproj
import scipy.sparse as sp
from scipy.optimize import lsq_linear
from scipy.sparse.csgraph import dijkstra

from firecover._errors import DataFormatError
from firecover.analysis.calib_records import ResponseRecords
from firecover.network.snapping import Snapped, canonical_position, snap_points
from firecover.settings import resolve
from firecover.traveltime.search import CSRNetwork

__all__ = ["CalibrationResult", "calibrate_speeds", "class_speeds"]

log = logging.getLogger(__name__)
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass
class CalibrationResult:
    """What :func:`calibrate_speeds` found (see the module notes).

    Attributes
    ----------
    speeds_kph : dict
        Fitted km/h per fitted class.
    ci_kph : dict
        95 % interval (low, high) km/h per fitted class (``inf`` high when unbounded).
    prior_kph : dict
        The network's speeds per class before calibration (all classes).
    kept_prior : list of str
        Classes with too little driving in the records: their speeds are not changed.
    records_used, records_rejected : int
    rejected : list of dict
        ``row``, ``station``, ``reason`` per rejected record.
    error_s : dict
        ``before`` / ``after`` → ``median`` / ``p90`` absolute error (s) on the used records.
    holdout_error_s : dict
        The same on the held-out records, speeds fitted without them.
    holdout_n : int
    iterations : int
    converged : bool
    class_km : dict
        Kilometres of each class driven over all used records (final paths).
    """

    speeds_kph: dict[str, float]
    ci_kph: dict[str, tuple[float, float]]
    prior_kph: dict[str, float]
    kept_prior: list[str]
    records_used: int
    records_rejected: int
    rejected: list[dict[str, Any]]
    error_s: dict[str, dict[str, float]]
    holdout_error_s: dict[str, dict[str, float]]
    holdout_n: int
    iterations: int
    converged: bool
    class_km: dict[str, float] = field(default_factory=dict)


def class_speeds(net: CSRNetwork) -> dict[str, float]:
    """Length-weighted harmonic mean km/h per road class of a network (total m / total s)."""
    out: dict[str, float] = {}
    for c in sorted(set(net.edge_class.tolist())):
        m = net.edge_class == c
        out[str(c)] = float(3.6 * net.edge_length[m].sum() / net.edge_time[m].sum())
    return out


class _Router:
    """Fastest paths from virtual station nodes, with per-class metres along each path."""

    def __init__(self, net: CSRNetwork, src: Snapped, tgt: Snapped, station_of: IntArray) -> None:
        self.net = net
        self.station_of = station_of
        self.n = net.n_nodes
        self.se, self.sf = canonical_position(net, src.edge, src.fraction)
        self.te, self.tf = canonical_position(net, tgt.edge, tgt.fraction)
        self.access = src.access_s, tgt.access_s
        classes = sorted(set(net.edge_class.tolist()))
        self.classes = [str(c) for c in classes]
        cidx = {c: i for i, c in enumerate(self.classes)}
        self.ecls = np.array([cidx[str(c)] for c in net.edge_class], dtype=np.int64)
        self.twin = net.edge_reverse

    def route(self, edge_t: FloatArray, idx: IntArray) -> tuple[FloatArray, FloatArray]:
        """For records ``idx``: (time s incl. access legs, class metres (records × classes))."""
        net, n, k = self.net, self.n, len(self.se)
        u, v = net.edge_u, net.edge_v
        order = np.lexsort((edge_t, v, u))
        first = np.ones(order.size, dtype=bool)
        first[1:] = (u[order][1:] != u[order][:-1]) | (v[order][1:] != v[order][:-1])
        best = order[first]
        rows = [u[best]]
        cols = [v[best]]
        w = [edge_t[best]]
        e, f = self.se, self.sf
        tw = np.maximum(self.twin[e], 0)
        rows += [n + np.arange(k), n + np.arange(k)]
        cols += [v[e], u[e]]
        back = np.where(self.twin[e] >= 0, f * edge_t[tw], np.where(f <= 0, 0.0, np.inf))
        w += [(1 - f) * edge_t[e], back]
        r, c, d = np.concatenate(rows), np.concatenate(cols), np.concatenate(w)
        ok = np.isfinite(d)
        r, c, d = r[ok], c[ok], np.maximum(d[ok], 1e-9)  # a stored 0 would vanish
        size = n + k
        graph = sp.csr_array((d, (r, c)), shape=(size, size))
        lookup = dict(zip((u[best] * size + v[best]).tolist(), best.tolist(), strict=True))
        dist, pred = dijkstra(graph, directed=True, indices=n + np.arange(k),
                              return_predecessors=True)  # fmt: skip
        return self._paths(dist, pred, edge_t, np.asarray(idx, dtype=np.int64), lookup, size)

    def _paths(self, dist: Any, pred: Any, edge_t: FloatArray, idx: IntArray,
               lookup: dict[int, int], size: int) -> tuple[FloatArray, FloatArray]:  # fmt: skip
        net, length = self.net, self.net.edge_length
        m = len(idx)
        times = np.full(m, np.inf)
        metres = np.zeros((m, len(self.classes)))
        for i, rec in enumerate(idx.tolist()):
            s = int(self.station_of[rec])
            e, g = int(self.te[rec]), float(self.tf[rec])
            tw = int(self.twin[e])
            cand = [(dist[s, net.edge_u[e]] + g * edge_t[e], "u")]
            if tw >= 0:
                cand.append((dist[s, net.edge_v[e]] + (1 - g) * edge_t[tw], "v"))
            se, sf = int(self.se[s]), float(self.sf[s])
            if se == e and sf <= g:
                cand.append(((g - sf) * edge_t[e], "same"))
            if se == e and tw >= 0 and sf >= g:
                cand.append(((sf - g) * edge_t[tw], "same_back"))
            t, how = min(cand, key=lambda c: c[0])
            if not np.isfinite(t):
                continue
            times[i] = t + self.access[0][s] + self.access[1][rec]
            row = metres[i]
            if how.startswith("same"):
                row[self.ecls[e]] += abs(g - sf) * length[e]
                continue
            node = int(net.edge_u[e] if how == "u" else net.edge_v[e])
            row[self.ecls[e]] += (g if how == "u" else 1 - g) * length[e]
            while True:
                p = int(pred[s, node])
                if p >= self.n or p < 0:
                    break
                row[self.ecls[lookup[p * size + node]]] += length[lookup[p * size + node]]
                node = p
            row[self.ecls[se]] += (1 - sf if node == int(net.edge_v[se]) else sf) * length[se]
        return times, metres


def _stats(err: FloatArray) -> dict[str, float]:
    if err.size == 0:
        return {"median": float("nan"), "p90": float("nan")}
    a = np.abs(err)
    return {"median": float(np.median(a)), "p90": float(np.percentile(a, 90))}


def _project(net: CSRNetwork, lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    tr = pyproj.Transformer.from_crs("EPSG:4326", net.crs, always_xy=True)
    x, y = tr.transform(lon, lat)
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


@dataclass
class _Problem:
    router: _Router
    rec: FloatArray
    xmin: float
    xmax: float


def _tie_matrix(classes: list[str], x0: FloatArray) -> FloatArray:
    """classes × groups: a ``*_link`` class moves with its parent (prior ratio kept), since
    ramps are always driven together with their road and cannot be told apart."""
    parent = [c[:-5] if c.endswith("_link") and c[:-5] in classes else c for c in classes]
    groups = [c for c in classes if c in parent]
    tie = np.zeros((len(classes), len(groups)))
    for i, p in enumerate(parent):
        j = groups.index(p)
        tie[i, j] = x0[i] / x0[classes.index(p)]
    return tie


_FitResult = tuple[FloatArray, npt.NDArray[np.bool_], IntArray, int, bool, FloatArray]


def _fit(pb: _Problem, idx: IntArray, x0: FloatArray, fit_mask_min: tuple[float, int],
         max_iter: int) -> _FitResult:  # fmt: skip
    """Iterate route → lsq_linear on records ``idx``.

    Returns x per class, fitted groups, kept records, rounds, converged, the tie matrix."""
    r = pb.router
    tie = _tie_matrix(r.classes, x0)
    z = np.array([x0[int(np.argmax(tie[:, j] == 1.0))] for j in range(tie.shape[1])])
    x = tie @ z
    keep = idx.copy()
    fitted = np.zeros(z.size, dtype=bool)
    converged = False
    rounds = 0
    for it in range(1, max_iter + 1):
        rounds = it
        edge_t = pb.router.net.edge_length * x[r.ecls]
        times, metres = r.route(edge_t, keep)
        finite = np.isfinite(times)
        keep, times, metres = keep[finite], times[finite], metres[finite]
        gm = metres @ tie  # scaled metres per group
        used_m = metres @ (tie > 0)
        n_rec = ((metres @ (tie > 0)) > 100.0).sum(axis=0)
        fitted = (used_m.sum(axis=0) >= fit_mask_min[0] * 1000.0) & (n_rec >= fit_mask_min[1])
        if not fitted.any():
            raise DataFormatError(
                "the records drive too little road of any class to fit a speed; give more "
                "records or lower --min-class-km"
            )
        access = times - metres @ x
        fixed = access + gm[:, ~fitted] @ z[~fitted]
        y = pb.rec[keep] - fixed
        sol = lsq_linear(gm[:, fitted], y, bounds=(pb.xmin, pb.xmax), method="bvls")
        new = z.copy()
        new[fitted] = sol.x
        pred = fixed + gm[:, fitted] @ sol.x
        res = pb.rec[keep] - pred
        mad = 1.4826 * float(np.median(np.abs(res - np.median(res))))
        bad = (res > np.maximum(2 * pred, 120.0)) | (np.abs(res) > max(90.0, 5 * mad))
        change = float(np.max(np.abs(new[fitted] / z[fitted] - 1.0)))
        z = new
        x = tie @ z
        if bad.any() and bad.sum() < 0.5 * bad.size:
            keep = keep[~bad]
            continue
        if change < 0.005:
            converged = True
            break
    return x, fitted, keep, rounds, converged, tie


def calibrate_speeds(
    net: CSRNetwork,
    stations: Snapped,
    station_names: list[str],
    records: ResponseRecords,
    *,
    cap_kph: float = 60.0,
    min_kph: float = 5.0,
    min_class_km: float = 1.0,
    min_class_records: int = 5,
    max_iter: int = 12,
    snap_max_m: float | None = None,
) -> CalibrationResult:
    """Fit per-class speeds to response records (formulation in the module notes).

    Parameters
    ----------
    net : CSRNetwork
        The road network with the speeds before calibration.
    stations : Snapped
        The stations' road positions; ``station_names`` in the same order.
    records : ResponseRecords
    cap_kph, min_kph : float
        Bounds of a fitted speed.
    min_class_km, min_class_records : float, int
        A class is fitted only when the records drive this much of it, in this many runs.
    max_iter : int
        Most route → fit rounds.
    snap_max_m : float, optional
        Arrival points farther from a road are rejected (``None`` → setting ``snap_max_m``).

    Raises
    ------
    DataFormatError
        Fewer than 10 usable records, or too little driving to fit any class.
    """
    snap_max = float(resolve(snap_max_m, "snap_max_m"))
    names = {n: i for i, n in enumerate(station_names)}
    x, y = _project(net, records.lon, records.lat)
    tgt = snap_points(net, x, y, max_m=snap_max)
    station_of = np.array([names.get(s, -1) for s in records.station], dtype=np.int64)
    reason = np.full(len(records), "", dtype=object)
    reason[station_of < 0] = "unknown_station"
    reason[(reason == "") & (tgt.distance_m > snap_max)] = "far_from_road"
    reason[(reason == "") & ~(records.driving_s > 0)] = "times_out_of_order"
    router = _Router(net, stations, tgt, np.maximum(station_of, 0))
    prior = class_speeds(net)
    x0 = np.array([3.6 / prior[c] for c in router.classes])
    pb = _Problem(router, records.driving_s, 3.6 / cap_kph, 3.6 / min_kph)
    every = np.arange(len(records))
    before, _ = router.route(net.edge_time, every)
    fastest, _ = router.route(net.edge_length * pb.xmin, every)
    reason[(reason == "") & ~np.isfinite(before)] = "unreachable"
    reason[(reason == "") & (records.driving_s < 0.8 * fastest - 10.0)] = "faster_than_network"
    usable = np.flatnonzero(reason == "")
    if usable.size < 10:
        raise DataFormatError(
            f"only {usable.size} of {len(records)} records are usable (need 10); check the "
            "station names and coordinates"
        )
    hold = usable[np.arange(usable.size) % 5 == 4]
    train = usable[np.arange(usable.size) % 5 != 4]
    mins = (min_class_km, min_class_records)
    xt, *_ = _fit(pb, train, x0, mins, max_iter)
    t_hold, _ = router.route(net.edge_length * xt[router.ecls], hold)
    xa, fitted_g, kept, iters, conv, tie = _fit(pb, usable, x0, mins, max_iter)
    for i in np.setdiff1d(usable, kept):
        reason[i] = "far_above" if records.driving_s[i] > before[i] else "residual"
    after, metres = router.route(net.edge_length * xa[router.ecls], kept)
    z = np.array([xa[int(np.argmax(tie[:, j] == 1.0))] for j in range(tie.shape[1])])
    ci_g = _intervals((metres @ tie)[:, fitted_g], records.driving_s[kept] - after, z[fitted_g])
    fitted = np.asarray((tie[:, fitted_g] > 0).any(axis=1), dtype=bool)
    group_of = np.argmax(tie > 0, axis=1)
    ci: dict[str, tuple[float, float]] = {}
    for i, c in enumerate(router.classes):
        if fitted[i]:
            lo, hi = ci_g[int(np.flatnonzero(np.flatnonzero(fitted_g) == group_of[i])[0])]
            ratio = tie[i, group_of[i]]
            ci[c] = (lo / ratio, hi / ratio)
    fitted_names = [c for c, f in zip(router.classes, fitted, strict=True) if f]
    rejected = [{"row": int(records.row[i]), "station": records.station[i], "reason": reason[i]}
                for i in np.flatnonzero(reason != "")]  # fmt: skip
    return CalibrationResult(
        speeds_kph={c: float(3.6 / xa[router.classes.index(c)]) for c in fitted_names},
        ci_kph=ci,
        prior_kph=prior,
        kept_prior=[c for c in router.classes if c not in fitted_names],
        records_used=int(kept.size),
        records_rejected=len(rejected),
        rejected=rejected,
        error_s=_errors(before[kept], after, records.driving_s[kept]),
        holdout_error_s=_errors(before[hold], t_hold, records.driving_s[hold]),
        holdout_n=int(hold.size),
        iterations=iters,
        converged=conv,
        class_km={c: float(metres[:, i].sum() / 1000) for i, c in enumerate(router.classes)},
    )


def _errors(before: FloatArray, after: FloatArray, rec: FloatArray) -> dict[str, dict[str, float]]:
    """Absolute error of predicted vs recorded driving time, before and after."""
    return {"before": _stats(before - rec), "after": _stats(after - rec)}


def _intervals(jac: FloatArray, res: FloatArray, x: FloatArray) -> list[tuple[float, float]]:
    """95 % intervals in km/h from s² (JᵀJ)⁻¹ of x = 3.6 / v."""
    n, k = jac.shape
    dof = max(n - k, 1)
    s2 = float(res @ res) / dof
    try:
        cov = s2 * np.linalg.inv(jac.T @ jac)
    except np.linalg.LinAlgError:
        return [(float("nan"), float("nan"))] * k
    half = 1.96 * np.sqrt(np.maximum(np.diag(cov), 0.0))
    lo = 3.6 / (x + half)
    hi = np.where(x - half > 0, 3.6 / np.maximum(x - half, 1e-12), np.inf)
    return [(float(a), float(b)) for a, b in zip(lo, hi, strict=True)]
