"""The window refuses to start with a one-line reason where Qt would abort the process."""

from __future__ import annotations

from rnnviz.app.display import (
    NO_DISPLAY_HINT,
    XCB_CURSOR_HINT,
    display_problem,
    xcb_missing_hint,
)
from rnnviz.app.launcher import launch


def _found(name: str) -> str:
    return f"lib{name}.so.0"


def _missing(name: str) -> None:
    return None


def _loads() -> None:
    return None


def test_no_display_on_linux_is_explained() -> None:
    assert display_problem({}, "linux", _found, _loads) == NO_DISPLAY_HINT


def test_missing_xcb_cursor_library_is_explained() -> None:
    problem = display_problem({"DISPLAY": ":0"}, "linux", _missing, _loads)
    assert problem == XCB_CURSOR_HINT
    assert "libxcb-cursor0" in problem


def test_a_plugin_that_cannot_load_names_the_missing_library() -> None:
    problem = display_problem({"DISPLAY": ":0"}, "linux", _found, lambda: "libxcb-icccm.so.4")
    assert problem == xcb_missing_hint("libxcb-icccm.so.4")
    assert "libxcb-icccm.so.4 is missing" in problem and "apt install" in problem


def test_a_working_setup_passes() -> None:
    assert display_problem({"DISPLAY": ":0"}, "linux", _found, _loads) is None
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0"}, "linux", _missing, _loads) is None
    assert display_problem({}, "darwin", _missing, _loads) is None
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux", _missing, _loads) is None


def test_launch_prints_one_line_and_exits_2(monkeypatch, capsys) -> None:
    monkeypatch.setattr("rnnviz.app.display.display_problem", lambda: NO_DISPLAY_HINT)
    assert launch([]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"rnnviz: error: {NO_DISPLAY_HINT}"]
