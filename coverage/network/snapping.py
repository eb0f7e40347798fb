"""Snap points (stations, demand cells, candidate sites) onto the road network.

A point is placed at the nearest point of the nearest edge geometry. Its position is the edge
and the ``fraction`` of the geometry's length from the edge's start node u. The straight leg
between the point and the road is driven at the access speed (settings ``access_speed_kph``,
15 km/h: yards and lanes missing from the graph), so ``access_s = distance_m / (speed / 3.6)``.

Two-way roads are stored as twin edges on one geometry; a snapped position is reported on the
*canonical* twin (the lower edge index), with the fraction measured along that twin, so the same
roadside spot always has the same (edge, fraction).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from firecover._errors import CoordinateError, SnapError
from firecover.network.csr import CSRNetwork
from firecover.settings import resolve

__all__ = ["Snapped", "canonical_position", "snap_points", "snap_stations"]

logger = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def canonical_position(
    net: CSRNetwork, edge: npt.ArrayLike, fraction: npt.ArrayLike
) -> tuple[IntArray, FloatArray]:
    """Move positions on the higher-index twin to the lower one: (t, f) → (e, 1 − f)."""
    e = np.asarray(edge, dtype=np.int64)
    f = np.asarray(fraction, dtype=np.float64)
    twin = net.edge_reverse[e]
    swap = (twin >= 0) & (twin < e)
    return np.where(swap, twin, e), np.where(swap, 1.0 - f, f)


@dataclass(frozen=True, eq=False)
class Snapped:
    """Points placed on the road network (all arrays have the same length).

    Attributes
    ----------
    edge : ndarray of int
        Directed edge index in the :class:`~firecover.traveltime.CSRNetwork`.
    fraction : ndarray of float
        Position along the edge geometry from u, in [0, 1].
    distance_m : ndarray of float
        Straight distance from the point to the road, metres.
    access_s : ndarray of float
        Time on that access leg, seconds (added at both ends of a trip).
    x, y : ndarray of float
        The original point, metres in the network CRS.
    too_far : ndarray of bool
        ``distance_m`` exceeds the snapping limit.
    """

    edge: IntArray
    fraction: FloatArray
    distance_m: FloatArray
    access_s: FloatArray
    x: FloatArray
    y: FloatArray
    too_far: BoolArray

    def __post_init__(self) -> None:
        dtypes: dict[str, type] = {"edge": np.int64, "too_far": np.bool_}
        n = None
        for f in fields(self):
            dtype = dtypes.get(f.name, np.float64)
            arr: np.ndarray = np.atleast_1d(np.asarray(getattr(self, f.name), dtype=dtype))
            if arr.ndim != 1 or (n is not None and arr.size != n):
                raise ValueError(f"Snapped.{f.name} must be 1-D with the same length as edge")
            n = arr.size
            object.__setattr__(self, f.name, arr)
        object.__setattr__(self, "fraction", np.clip(self.fraction, 0.0, 1.0))

    def __len__(self) -> int:
        return int(self.edge.size)

    def __getitem__(self, index: Any) -> Snapped:
        """Subset by integer index array, slice or boolean mask."""
        if isinstance(index, int | np.integer):
            index = [int(index)]
        return Snapped(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    @classmethod
    def concat(cls, parts: Sequence[Snapped]) -> Snapped:
        """Concatenate several ``Snapped`` in order."""
        if not parts:
            return cls.empty()
        return cls(
            **{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)}
        )

    @classmethod
    def empty(cls) -> Snapped:
        """A ``Snapped`` with no points."""
        none = np.empty(0)
        return cls(none.astype(np.int64), none, none, none, none, none, none.astype(bool))

    @classmethod
    def on_edges(
        cls,
        net: CSRNetwork,
        edge: npt.ArrayLike,
        fraction: npt.ArrayLike,
        access_s: npt.ArrayLike = 0.0,
    ) -> Snapped:
        """Points placed directly on edges (no access leg unless ``access_s`` is given)."""
        e, f = np.broadcast_arrays(
            np.atleast_1d(np.asarray(edge, dtype=np.int64)),
            np.atleast_1d(np.asarray(fraction, dtype=np.float64)),
        )
        e, f = canonical_position(net, e, np.clip(f, 0.0, 1.0))
        pts = shapely.line_interpolate_point(net.edge_geom[e], f, normalized=True)
        zeros = np.zeros(e.size)
        return cls(
            e,
            f,
            zeros,
            zeros + np.asarray(access_s, dtype=np.float64),
            shapely.get_x(pts),
            shapely.get_y(pts),
            np.zeros(e.size, dtype=bool),
        )

    @classmethod
    def at_nodes(cls, net: CSRNetwork, nodes: npt.ArrayLike) -> Snapped:
        """Points exactly at node *positions* (use ``net.node_index`` for node keys).

        Each node is placed at the start (fraction 0) of one of its out-edges, or at the end
        (fraction 1) of an in-edge when it has none; both are exactly the node.
        """
        nodes = np.atleast_1d(np.asarray(nodes, dtype=np.int64))
        out_edge = np.full(net.n_nodes, -1, dtype=np.int64)
        in_edge = np.full(net.n_nodes, -1, dtype=np.int64)
        out_edge[net.edge_u[::-1]] = np.arange(net.n_edges)[::-1]
        in_edge[net.edge_v[::-1]] = np.arange(net.n_edges)[::-1]
        has_out = out_edge[nodes] >= 0
        edge = np.where(has_out, out_edge[nodes], in_edge[nodes])
        if np.any(edge < 0):
            raise ValueError("at_nodes: a node has no incident edge")
        return cls.on_edges(net, edge, np.where(has_out, 0.0, 1.0))

    def road_xy(self, net: CSRNetwork) -> tuple[FloatArray, FloatArray]:
        """Coordinates of the snapped roadside positions."""
        pts = shapely.line_interpolate_point(
            net.edge_geom[self.edge], self.fraction, normalized=True
        )
        return shapely.get_x(pts), shapely.get_y(pts)


def snap_points(
    net: CSRNetwork,
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    *,
    max_m: float | None = None,
    access_speed_kph: float | None = None,
) -> Snapped:
    """Snap points to the nearest point on the nearest edge geometry.

    Parameters
    ----------
    net : CSRNetwork
        The road network.
    x, y : array_like
        Point coordinates in ``net.crs`` (see :func:`firecover.network.coords.project_points`).
    max_m : float, optional
        Points farther than this from every road get ``too_far``; default ``snap_max_m``.
    access_speed_kph : float, optional
        Speed on the access leg; default ``access_speed_kph`` (15 km/h).

    Returns
    -------
    Snapped
        ``fraction = line_locate_point(geom, p) / length(geom)`` on the canonical twin;
        ``access_s = distance_m / (access_speed_kph / 3.6)``.
    """
    max_m = float(resolve(max_m, "snap_max_m"))
    speed = float(resolve(access_speed_kph, "access_speed_kph"))
    if speed <= 0:
        raise ValueError(f"access_speed_kph must be positive, got {speed}")
    px = np.atleast_1d(np.asarray(x, dtype=np.float64))
    py = np.atleast_1d(np.asarray(y, dtype=np.float64))
    px, py = np.broadcast_arrays(px, py)
    bad = ~(np.isfinite(px) & np.isfinite(py))
    if bad.any():
        raise CoordinateError(
            f"{int(bad.sum())} point(s) have NaN coordinates (first at row "
            f"{int(np.flatnonzero(bad)[0])}); fill or drop them before snapping"
        )
    if px.size == 0:
        return Snapped.empty()
    pts = shapely.points(px, py)
    (ipt, iedge), dist = net.tree.query_nearest(pts, return_distance=True, all_matches=False)
    edge = np.empty(px.size, dtype=np.int64)
    distance = np.empty(px.size, dtype=np.float64)
    edge[ipt], distance[ipt] = iedge, dist
    frac = shapely.line_locate_point(net.edge_geom[edge], pts, normalized=True)
    frac = np.nan_to_num(frac, nan=0.0)
    edge, frac = canonical_position(net, edge, frac)
    too_far = distance > max_m
    if too_far.any():
        logger.info(
            "%d of %d point(s) are more than %g m from any road", int(too_far.sum()), px.size, max_m
        )
    return Snapped(edge, frac, distance, distance / (speed / 3.6), px.copy(), py.copy(), too_far)


def _fmt_m(d: float) -> str:
    return f"{d / 1000:.1f} km" if d >= 1000 else f"{d:.0f} m"


def snap_stations(
    net: CSRNetwork,
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    names: Sequence[str] | None = None,
    *,
    max_m: float | None = None,
    access_speed_kph: float | None = None,
) -> Snapped:
    """Snap stations, which must be on the road network.

    Like :func:`snap_points`, but a station farther than ``max_m`` from every road raises.

    Raises
    ------
    SnapError
        Naming each station that is too far and its distance, with the fix.
    """
    snapped = snap_points(net, x, y, max_m=max_m, access_speed_kph=access_speed_kph)
    if not snapped.too_far.any():
        return snapped
    limit = float(resolve(max_m, "snap_max_m"))
    labels = list(names) if names is not None else [f"#{i}" for i in range(len(snapped))]
    if len(labels) != len(snapped):
        raise ValueError("names must have one entry per station")
    far = np.flatnonzero(snapped.too_far)
    items = [f"{labels[i]!s} ({_fmt_m(float(snapped.distance_m[i]))})" for i in far[:10]]
    more = f" and {far.size - 10} more" if far.size > 10 else ""
    what = "station is" if far.size == 1 else f"{far.size} stations are"
    raise SnapError(
        f"{what} farther than {_fmt_m(limit)} from any road: {', '.join(items)}{more}; "
        "check its coordinates and crs, or move it onto a road"
    )
