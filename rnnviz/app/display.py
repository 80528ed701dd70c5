"""Can Qt open a window here? Say why not in one line, before Qt aborts the process.

Qt does not raise when its platform plugin cannot start: it prints a paragraph and calls abort(),
so a student sees "Aborted (core dumped)". The usual causes on Linux are checked up front: no
display at all (an SSH session, a container), and missing system libraries of Qt's X11 plugin
(libxcb-cursor0, which Qt 6.5+ loads at run time, and the xcb utility libraries the plugin links
against), which minimal Linux installs lack.
"""

from __future__ import annotations

import ctypes.util
import os
import sys
from collections.abc import Callable, Mapping

XCB_PACKAGES = (
    "Debian/Ubuntu: sudo apt install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 "
    "libxcb-render-util0 libxkbcommon-x11-0; Fedora: sudo dnf install xcb-util-cursor "
    "xcb-util-wm xcb-util-keysyms xcb-util-image xcb-util-renderutil libxkbcommon-x11"
)
XCB_CURSOR_HINT = (
    "Qt needs the system library libxcb-cursor0 to open a window on X11; install Qt's X11 "
    f"libraries ({XCB_PACKAGES}) and start rnnviz again"
)


def xcb_missing_hint(library: str) -> str:
    """The message for a system library the X11 plugin cannot load."""
    return (
        f"Qt cannot open a window on X11: the system library {library} is missing; install Qt's "
        f"X11 libraries ({XCB_PACKAGES}) and start rnnviz again"
    )


def _xcb_plugin_error() -> str | None:
    """The library the X11 platform plugin fails to load with, or None if it loads."""
    import ctypes
    from pathlib import Path

    from PyQt6.QtCore import QLibraryInfo

    plugin = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms"
    plugin = plugin / "libqxcb.so"
    if not plugin.exists():
        return None
    try:
        ctypes.CDLL(str(plugin))
    except OSError as exc:  # "libxcb-icccm.so.4: cannot open shared object file: ..."
        return str(exc).split(":")[0].strip() or "a library"
    return None


NO_DISPLAY_HINT = (
    "no display to open a window on (DISPLAY and WAYLAND_DISPLAY are not set): start rnnviz "
    "from a desktop session, or use the headless commands (rnnviz train, rnnviz screenshot)"
)


def display_problem(
    env: Mapping[str, str] | None = None,
    platform: str | None = None,
    find_library: Callable[[str], str | None] = ctypes.util.find_library,
    plugin_error: Callable[[], str | None] = _xcb_plugin_error,
) -> str | None:
    """A one-line reason why a window cannot open here, or None if nothing is known to be wrong.

    Only Linux without an explicit ``QT_QPA_PLATFORM`` is checked; elsewhere Qt's own choice
    stands.
    """
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    if not platform.startswith("linux") or env.get("QT_QPA_PLATFORM"):
        return None
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        return NO_DISPLAY_HINT
    if env.get("WAYLAND_DISPLAY"):
        return None
    missing = plugin_error()
    if missing is not None:
        return xcb_missing_hint(missing)
    if find_library("xcb-cursor") is None:
        return XCB_CURSOR_HINT
    return None
