"""Look and feel of the window: Fusion style, a calm palette and fonts a projector can carry.

Everything visual that is not a view lives here, so the window code reads as layout and wiring.
"""

from __future__ import annotations

from importlib.resources import files

from PyQt6.QtGui import QColor, QFont, QIcon, QPalette
from PyQt6.QtWidgets import QApplication

# The top-level assets/ folder is the package rnnviz.assets (see pyproject), installed or not.
ICONS = files("rnnviz.assets") / "icons"

# State colours shared by the status bar pill and the message banner.
STATE_COLOURS = {
    "running": "#2e7d32",
    "paused": "#b26a00",
    "stopped": "#546e7a",
    "diverged": "#c62828",
    "error": "#c62828",
    "ready": "#1565c0",
}

# Base point size: 10 pt reads well on a laptop; ``--big`` (presentation) scales it up.
BASE_POINT_SIZE = 10.0

# ``--big``: fonts 1.6x (16 pt), lines thicker by as much, for the back row of a classroom.
BIG_SCALE = 1.6

STYLE_SHEET = """
QDockWidget::title { padding: 6px; font-weight: 600; }
QGroupBox { font-weight: 600; border: 1px solid #c9ced6; border-radius: 6px;
            margin-top: 12px; padding: 4px 4px 2px 4px; }
QGroupBox::title { subcontrol-origin: margin; left: 8px; padding: 0 4px; color: #37474f; }
QLabel[role="hint"] { color: #607080; font-weight: normal; }
QLabel[role="error"] { color: #b71c1c; font-weight: normal; }
QPushButton, QToolButton { padding: 4px 10px; }
QToolButton#runButton { font-weight: 700; min-width: 64px; }
QToolButton#runButton:checked { background: #ffe0b2; }
QPushButton#applyButton:enabled { background: #1565c0; color: white; border-radius: 4px;
                                  font-weight: 600; }
QFrame#banner { border-radius: 6px; }
QLabel#statePill { color: white; border-radius: 8px; padding: 1px 10px; font-weight: 700; }
QStatusBar QLabel { padding: 0 8px; }
"""


def icon(name: str) -> QIcon:
    """Load ``assets/icons/<name>.svg`` (an empty icon if it is missing).

    Parameters
    ----------
    name : str
        File stem, e.g. ``"rnnviz"``.
    """
    path = ICONS / f"{name}.svg"
    return QIcon(str(path)) if path.is_file() else QIcon()


def apply_theme(app: QApplication, scale: float = 1.0) -> None:
    """Give ``app`` the rnnviz look: Fusion, a light palette, a legible base font.

    Parameters
    ----------
    app : QApplication
        The application to style (affects every window it creates afterwards).
    scale : float
        Font scale factor (1.0 normal, :data:`BIG_SCALE` for a projector).
    """
    app.setStyle("Fusion")
    pal = QPalette()
    pal.setColor(QPalette.ColorRole.Window, QColor("#f3f5f8"))
    pal.setColor(QPalette.ColorRole.Base, QColor("#ffffff"))
    pal.setColor(QPalette.ColorRole.AlternateBase, QColor("#eef1f5"))
    pal.setColor(QPalette.ColorRole.Button, QColor("#e9edf2"))
    pal.setColor(QPalette.ColorRole.Highlight, QColor("#1565c0"))
    pal.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    pal.setColor(QPalette.ColorRole.ToolTipBase, QColor("#fffde7"))
    pal.setColor(QPalette.ColorRole.ToolTipText, QColor("#212121"))
    app.setPalette(pal)
    font = QFont(app.font())
    font.setPointSizeF(BASE_POINT_SIZE * scale)
    app.setFont(font)
    app.setStyleSheet(STYLE_SHEET)
    app.setWindowIcon(icon("rnnviz"))
