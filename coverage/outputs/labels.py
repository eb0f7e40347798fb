"""Planner-facing labels for codes the engine keeps in English: road classes (``motorway`` →
快速路), risk levels and "file PATH" source notes, from ``data/glossary.toml``."""

from __future__ import annotations

import re

from firecover.outputs.glossary import Glossary

__all__ = ["risk_label", "road_class_label", "source_note", "travel_model_label"]


def road_class_label(road_class: str, g: Glossary) -> str:
    """``motorway`` → 快速路, ``primary_link`` → 主干路匝道; an unknown class as given."""
    base, link = str(road_class), False
    if base.endswith("_link"):
        base, link = base.removesuffix("_link"), True
    try:
        label = g(f"rc_{base}")
    except KeyError:
        return str(road_class)
    return g("rc_link", cls=label) if link else label


def risk_label(risk: str, g: Glossary) -> str:
    """A demand cell's risk level (``low`` → 低); an unknown level as given."""
    try:
        return g(f"risk_{str(risk).lower()}")
    except KeyError:
        return str(risk)


def source_note(note: str, g: Glossary) -> str:
    """A provenance note ``"file PATH"`` as ``"文件 PATH"``; other notes as given."""
    text = str(note)
    if text.startswith("file "):
        return g("src_file", path=text.removeprefix("file "))
    return text


_TURNS_ON = re.compile(
    r"turns: restrictions (\d+) \((\d+) on the network\), signals (\d+), "
    r"stop/give-way (\d+), penalties on \(U-turns ([\w-]+)\)"
)


def travel_model_label(line: str, g: Glossary) -> str:
    """The travel-time model line (:func:`firecover.network.periods.travel_model_line`, kept
    in English in the JSON contracts) in the glossary's language; parts it does not know are
    kept as written."""
    text = str(line)
    if ": " in text:
        text = text.split(": ", 1)[1]
    out = []
    for part in text.split(" · "):
        if part == "period base (no period)":
            out.append(g("tm_base_period"))
        elif part in ("turns not modelled", "turns: off"):
            out.append(g("tm_turns_none"))
        elif part == "calibration none (profile assumptions)":
            out.append(g("tm_no_calibration"))
        elif m := _TURNS_ON.fullmatch(part):
            r, on, s, sg, u = m.groups()
            out.append(g("tm_turns_on", r=r, on=on, s=s, sg=sg, u=u))
        elif part.startswith(("profile ", "period ", "calibration ")):
            key, value = part.split(" ", 1)
            out.append(g(f"tm_{key}", v=value))
        else:
            out.append(part)
    return (
        f"{g('tm_head')}：" + " · ".join(out)
        if g.lang == "zh"
        else (f"{g('tm_head')}: " + " · ".join(out))
    )
