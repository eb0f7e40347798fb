"""Turn restrictions for an online (osmnx) download: one Overpass query for the relations.

osmnx returns ways and nodes only, so after its road download one more Overpass query asks for
``relation["type"="restriction"]`` in the same area::

    [out:json][timeout:T];(relation["type"="restriction"](poly:"lat lon lat lon ..."););out;

``out`` (body) gives each relation's tags and members (``type``, ``ref``, ``role``), which is
all a via-node restriction needs. The query goes through osmnx's own request function, so it
uses ``osmnx.settings`` (``overpass_url``, ``overpass_settings``, ``requests_timeout``,
``http_user_agent``, ``requests_kwargs``), the Overpass rate-limit pause and osmnx's HTTP cache,
and the area is split into the same sub-polygons osmnx uses for the roads. The response is read
by :func:`parse_overpass_restrictions` into the :class:`~firecover.network.osm_turns.OsmTurnData`
that the offline file reader produces (same rules: ``restriction:motorcar`` first,
``except=emergency|fire`` exempts, via ways skipped), so both paths attach identical records.

A failed query is not fatal: the caller gets ``None``, one warning is logged, and the graph is
marked (``turn_restrictions_note``) so that ``firecover graph info`` says it has none.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

import requests
from osmnx import _overpass
from osmnx._errors import InsufficientResponseError, ResponseStatusCodeError
from shapely.geometry import MultiPolygon, Polygon

from firecover.network.osm_turns import OsmTurnData, add_relation

__all__ = [
    "ONLINE_NOTE_KEY",
    "fetch_turn_data",
    "parse_overpass_restrictions",
    "restriction_queries",
]

logger = logging.getLogger(__name__)

#: Graph attribute set when the online restriction query failed (read by ``graph info``).
ONLINE_NOTE_KEY = "turn_restrictions_note"

_TYPE = {"node": "n", "way": "w", "relation": "r"}


def restriction_queries(polygon: Polygon | MultiPolygon) -> list[str]:
    """Overpass QL for the ``type=restriction`` relations in ``polygon`` (lon/lat), per piece.

    Uses osmnx's settings string and its polygon subdivision, so the pieces match the road
    download's.
    """
    head = _overpass._make_overpass_settings()
    return [
        f'{head};(relation["type"="restriction"](poly:{coords!r}););out;'
        for coords in _overpass._make_overpass_polygon_coord_strs(polygon)
    ]


def parse_overpass_restrictions(responses: Iterable[dict[str, Any]]) -> OsmTurnData:
    """Restriction records of Overpass JSON responses (duplicates across pieces counted once).

    Parameters
    ----------
    responses : iterable of dict
        Overpass ``[out:json]`` responses (``{"elements": [{"type": "relation", "id", "tags",
        "members": [{"type", "ref", "role"}]}]}``).

    Returns
    -------
    OsmTurnData
        Same records and counts as :func:`firecover.network.osm_turns.read_turn_data` gives for
        the same relations in a file (no junction controls: osmnx keeps those as node tags).
    """
    data = OsmTurnData()
    seen: set[int] = set()
    for response in responses:
        for el in response.get("elements", []):
            if el.get("type") != "relation" or el.get("id") in seen:
                continue
            tags = {str(k): str(v) for k, v in (el.get("tags") or {}).items()}
            if tags.get("type") != "restriction":
                continue
            seen.add(el["id"])
            members = [
                (str(m.get("role", "")), _TYPE.get(str(m.get("type")), "?"), int(m["ref"]))
                for m in el.get("members", [])
            ]
            add_relation(data, tags, members)
    return data


def fetch_turn_data(polygon: Polygon | MultiPolygon) -> OsmTurnData | None:
    """Download and parse the restriction relations in ``polygon``; ``None`` if that failed.

    A failure (no connection, server error, malformed answer) logs one warning and returns
    ``None``; it never raises, since the roads themselves were downloaded.
    """
    try:
        answers = [
            _overpass._overpass_request(OrderedDict(data=q)) for q in restriction_queries(polygon)
        ]
        return parse_overpass_restrictions(answers)
    except (
        requests.RequestException,
        OSError,
        InsufficientResponseError,
        ResponseStatusCodeError,
        KeyError,
        TypeError,
        ValueError,
    ) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        logger.warning(
            "could not download OSM turn restrictions (%s); the graph has none — retry later, "
            "or `firecover graph import` an OSM extract (or a --restrictions CSV)",
            reason,
        )
        return None
