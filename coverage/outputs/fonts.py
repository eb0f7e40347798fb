"""Find a font with Chinese glyphs for matplotlib (private).

Search order (the first font that really has the glyphs of :data:`PROBE_TEXT` wins):

1. the file named by the environment variable ``FIRECOVER_CJK_FONT`` (a .ttf/.otf/.ttc path);
2. an installed Simplified-Chinese family (Noto Sans CJK SC, Source Han Sans SC, WenQuanYi,
   Microsoft YaHei, SimHei, PingFang SC, ...);
3. the Noto Sans CJK collection shipped by the PyPI package ``noto-cjk-sans-otc`` (OFL-1.1),
   registered with matplotlib at run time (its "Noto Sans CJK SC" face);
4. any other installed CJK family (Japanese/Korean/Traditional faces also carry the hanzi);
5. any installed font whose character map covers the probe text.

If none is found, a warning is logged once and maps fall back to matplotlib's default font:
Chinese text then shows as boxes, but rendering does not fail.
"""

from __future__ import annotations

import functools
import importlib
import logging
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from matplotlib import font_manager
from matplotlib.ft2font import FT2Font

__all__ = [
    "PROBE_TEXT",
    "CJKFont",
    "bold_weight",
    "find_cjk_font",
    "font_families",
    "has_glyphs",
    "reset_cache",
]

logger = logging.getLogger(__name__)

#: Characters a usable font must have (station words and the synthetic-data stamp).
PROBE_TEXT = "消防站救援虚构示例数据辖区"

#: Environment variable naming a font file to use instead of searching.
ENV_VAR = "FIRECOVER_CJK_FONT"

#: Installed families tried first: Simplified-Chinese faces, most common first.
SC_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
    "Sarasa Gothic SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Microsoft YaHei",
    "SimHei", "DengXian", "PingFang SC", "Hiragino Sans GB", "Heiti SC", "STHeiti",
    "Noto Serif CJK SC", "Source Han Serif SC", "AR PL UMing CN", "AR PL UKai CN",
    "Droid Sans Fallback",
)  # fmt: skip

#: Other CJK families, tried after the packaged font.
OTHER_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK TC", "Noto Sans CJK HK", "Noto Sans CJK JP", "Noto Sans CJK KR",
    "Source Han Sans TC", "Source Han Sans JP", "Microsoft JhengHei", "Noto Sans TC",
    "Noto Sans JP", "Noto Sans KR", "Yu Gothic", "MS Gothic", "Malgun Gothic",
)  # fmt: skip

#: (module, file) of fonts shipped by PyPI packages, in order of preference.
PACKAGED_FONTS: tuple[tuple[str, str], ...] = (("noto_cjk_sans_otc", "NotoSansCJK-Regular.ttc"),)

#: Fonts that map every character to a placeholder box (matplotlib ships "Last Resort").
_PLACEHOLDER_FAMILIES: tuple[str, ...] = ("Last Resort",)

#: Family used for Latin text and as the last resort.
LATIN_FAMILY = "DejaVu Sans"


@dataclass(frozen=True)
class CJKFont:
    """A font matplotlib can use for Chinese text.

    Attributes
    ----------
    family : str
        Family name registered with matplotlib's font manager.
    path : str
        Font file.
    index : int
        Face index inside a .ttc/.otc collection (0 for single fonts).
    source : str
        Where it was found: ``"env"``, ``"system"`` or ``"package:<module>"``.
    """

    family: str
    path: str
    index: int
    source: str


def _open(path: str, index: int) -> FT2Font:
    try:
        return FT2Font(path, face_index=index)
    except TypeError:  # matplotlib < 3.10 has no face_index: face 0 only
        return FT2Font(path)


def has_glyphs(path: str | os.PathLike[str], text: str = PROBE_TEXT, index: int = 0) -> bool:
    """Whether the font face at ``path``/``index`` maps every character of ``text`` to a glyph."""
    try:
        font = _open(os.fspath(path), index)
    except (OSError, RuntimeError, ValueError):
        return False
    return all(font.get_char_index(ord(ch)) != 0 for ch in text if not ch.isspace())


def _entries(family: str) -> list[font_manager.FontEntry]:
    found = [e for e in font_manager.fontManager.ttflist if e.name == family]
    return sorted(found, key=lambda e: (e.style != "normal", abs(_weight(e.weight) - 400)))


def _weight(weight: int | str) -> int:
    if isinstance(weight, int):
        return weight
    return int(font_manager.weight_dict.get(weight, 400))


def _usable(entry: font_manager.FontEntry, source: str) -> CJKFont | None:
    index = int(getattr(entry, "index", 0) or 0)
    if has_glyphs(entry.fname, PROBE_TEXT, index):
        return CJKFont(entry.name, entry.fname, index, source)
    return None


def _from_families(families: tuple[str, ...], source: str = "system") -> CJKFont | None:
    for family in families:
        for entry in _entries(family):
            font = _usable(entry, source)
            if font is not None:
                return font
    return None


def _register(path: str) -> list[font_manager.FontEntry]:
    """Add a font file to matplotlib's manager and return its entries (all faces)."""
    known = {e.fname for e in font_manager.fontManager.ttflist}
    if path not in known:
        font_manager.fontManager.addfont(path)
    return [e for e in font_manager.fontManager.ttflist if e.fname == path]


def _pick(entries: list[font_manager.FontEntry], source: str) -> CJKFont | None:
    """Prefer a Simplified-Chinese face of a collection, else any face with the glyphs."""
    ranked = sorted(entries, key=lambda e: (not e.name.endswith(" SC"), "Mono" in e.name))
    for entry in ranked:
        font = _usable(entry, source)
        if font is not None:
            return font
    return None


def _from_env() -> CJKFont | None:
    value = os.environ.get(ENV_VAR, "").strip()
    if not value:
        return None
    if not Path(value).is_file():
        logger.warning("%s=%s is not a font file; searching installed fonts", ENV_VAR, value)
        return None
    try:
        return _pick(_register(value), "env")
    except (OSError, RuntimeError, ValueError) as exc:
        logger.warning("cannot load %s=%s (%s); searching installed fonts", ENV_VAR, value, exc)
        return None


def packaged_font_paths() -> list[str]:
    """Font files shipped by installed PyPI font packages (see :data:`PACKAGED_FONTS`)."""
    paths = []
    for module, filename in PACKAGED_FONTS:
        try:
            importlib.import_module(module)
            ref = resources.files(module).joinpath(filename)
        except (ImportError, TypeError):
            continue
        if ref.is_file():
            paths.append(str(ref))
    return paths


def _from_packages() -> CJKFont | None:
    for path in packaged_font_paths():
        try:
            font = _pick(_register(path), f"package:{Path(path).parent.name}")
        except (OSError, RuntimeError, ValueError) as exc:
            logger.debug("cannot load packaged font %s: %s", path, exc)
            continue
        if font is not None:
            return font
    return None


def _from_scan() -> CJKFont | None:
    seen: set[tuple[str, int]] = set()
    for entry in font_manager.fontManager.ttflist:
        key = (entry.fname, int(getattr(entry, "index", 0) or 0))
        if key in seen or entry.name.startswith(_PLACEHOLDER_FAMILIES):
            continue
        seen.add(key)
        font = _usable(entry, "system")
        if font is not None:
            return font
    return None


@functools.cache
def find_cjk_font() -> CJKFont | None:
    """Return a font with Chinese glyphs, or ``None`` (with one logged warning) if there is none.

    The result is cached for the process; :func:`reset_cache` clears it.
    """
    for finder in (
        _from_env,
        _from_families_sc,
        _from_packages,
        _from_families_other,
        _from_scan,
    ):
        font = finder()
        if font is not None:
            logger.debug("CJK font: %s (%s, face %d, %s)", font.family, font.path,
                         font.index, font.source)  # fmt: skip
            return font
    logger.warning(
        "no font with Chinese glyphs found; Chinese labels will show as boxes. "
        "Install one with: pip install noto-cjk-sans-otc (or set %s to a .ttf/.otc file)",
        ENV_VAR,
    )
    return None


def _from_families_sc() -> CJKFont | None:
    return _from_families(SC_FAMILIES)


def _from_families_other() -> CJKFont | None:
    return _from_families(OTHER_FAMILIES)


def font_families() -> list[str]:
    """The ``font.family`` list for matplotlib: the CJK family first, then the Latin default."""
    font = find_cjk_font()
    return [LATIN_FAMILY] if font is None else [font.family, LATIN_FAMILY]


def bold_weight() -> str:
    """``"bold"`` if the chosen family has a bold face, else ``"normal"`` (no fake-bold lookups)."""
    font = find_cjk_font()
    if font is None:
        return "bold"
    return "bold" if any(_weight(e.weight) >= 600 for e in _entries(font.family)) else "normal"


def reset_cache() -> None:
    """Forget the cached font search (tests, or after installing a font)."""
    find_cjk_font.cache_clear()
