"""Colours derived from the current palette, so light and dark desktops both stay readable.

Two tuned sets (one for light, one for dark backgrounds) instead of one hard-coded list: a blue
that reads well on white is too dark on a dark grey. The choice follows the palette's base
colour, which is what the user's system theme sets.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QFont, QFontDatabase, QPalette
from PySide6.QtWidgets import QApplication, QWidget


@dataclass(frozen=True)
class Colours:
    """Foregrounds for terminal lines and state values; backgrounds for banners/highlights."""

    tx: QColor
    response: QColor
    urc: QColor
    error: QColor
    echo: QColor
    note: QColor
    highlight: QColor
    ok: QColor
    warning_bg: QColor
    error_bg: QColor
    info_bg: QColor
    banner_text: QColor


_LIGHT = Colours(
    tx=QColor("#1f5fbf"),
    response=QColor("#1d1d1d"),
    urc=QColor("#8a3ab9"),
    error=QColor("#c62828"),
    echo=QColor("#8c8c8c"),
    note=QColor("#6d6d6d"),
    highlight=QColor("#fff2a8"),
    ok=QColor("#2e7d32"),
    warning_bg=QColor("#fff4d6"),
    error_bg=QColor("#fde2e1"),
    info_bg=QColor("#e3efff"),
    banner_text=QColor("#1d1d1d"),
)

_DARK = Colours(
    tx=QColor("#7fb2ff"),
    response=QColor("#e6e6e6"),
    urc=QColor("#d7a6ff"),
    error=QColor("#ff7b72"),
    echo=QColor("#8f8f8f"),
    note=QColor("#a0a0a0"),
    highlight=QColor("#5c5220"),
    ok=QColor("#7ee787"),
    warning_bg=QColor("#4d3d12"),
    error_bg=QColor("#5a1f1d"),
    info_bg=QColor("#1d3557"),
    banner_text=QColor("#f0f0f0"),
)


def is_dark(palette: QPalette | None = None) -> bool:
    """Whether the palette's text background is dark (system dark mode)."""
    if palette is None:
        palette = QApplication.palette()
    return palette.color(QPalette.ColorRole.Base).lightnessF() < 0.5


def colours(widget: QWidget | None = None) -> Colours:
    """The tuned colour set for ``widget``'s palette (or the application's)."""
    palette = widget.palette() if widget is not None else QApplication.palette()
    base = _DARK if is_dark(palette) else _LIGHT
    return Colours(
        tx=base.tx,
        response=palette.color(QPalette.ColorRole.Text),
        urc=base.urc,
        error=base.error,
        echo=base.echo,
        note=base.note,
        highlight=base.highlight,
        ok=base.ok,
        warning_bg=base.warning_bg,
        error_bg=base.error_bg,
        info_bg=base.info_bg,
        banner_text=base.banner_text,
    )


def monospace_font(point_size: int = 0) -> QFont:
    """The system's fixed-width font (terminal, hex, raw values)."""
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    if point_size:
        font.setPointSize(point_size)
    return font
