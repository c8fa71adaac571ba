"""The CJK font for every chart: NotoSansCJKsc-Regular from the ``mplfonts`` package.

``use_cjk_font()`` registers it with matplotlib and makes it the default family, so Chinese labels render
as glyphs, never as boxes. Nothing happens at import.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

FONT_FILE = "NotoSansCJKsc-Regular.otf"


class CJKFontMissing(RuntimeError):
    pass


def cjk_font_path() -> Path:
    """Path of NotoSansCJKsc-Regular.otf inside the installed ``mplfonts`` package."""
    import importlib.util

    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        raise CJKFontMissing("未安装 mplfonts，无法显示中文图表 / package 'mplfonts' is not installed")
    path = Path(list(spec.submodule_search_locations)[0]) / "fonts" / FONT_FILE
    if not path.is_file():
        raise CJKFontMissing(f"找不到中文字体 / CJK font not found: {path}")
    return path


@lru_cache(maxsize=1)
def use_cjk_font() -> str:
    """Register the font with matplotlib, make it the default sans-serif family; returns the family name."""
    import matplotlib
    from matplotlib import font_manager

    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    family = font_manager.FontProperties(fname=str(path)).get_name()
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["font.sans-serif"] = [family, *matplotlib.rcParams["font.sans-serif"]]
    matplotlib.rcParams["axes.unicode_minus"] = False
    return family
