"""Planner-facing labels for codes the engine keeps in English: road classes (``motorway`` →
快速路), risk levels and "file PATH" source notes, from ``data/glossary.toml``."""

from __future__ import annotations

from firecover.outputs.glossary import Glossary

__all__ = ["risk_label", "road_class_label", "source_note"]


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
