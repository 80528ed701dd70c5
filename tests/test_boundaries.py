"""Architecture rules: the engine, tasks and trainer never import Qt or pyqtgraph."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "rnnviz"
FORBIDDEN = ("PyQt6", "PyQt5", "PySide6", "PySide2", "pyqtgraph", "superqt", "qtpy")
PURE_PACKAGES = ("core", "tasks", "train")


def _imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


@pytest.mark.parametrize("package", PURE_PACKAGES)
def test_pure_packages_never_import_qt(package: str) -> None:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"no sources found under rnnviz/{package}"
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in files
        for name in _imported_modules(path)
        if name.split(".")[0] in FORBIDDEN
    ]
    assert offenders == []


def test_checker_detects_a_qt_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from PyQt6.QtCore import QObject\nimport pyqtgraph as pg\n", encoding="utf-8")
    assert [n.split(".")[0] for n in _imported_modules(bad)] == ["PyQt6", "pyqtgraph"]
