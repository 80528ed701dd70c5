"""Architecture rules: the package direction config <- core <- tasks <- train <- app / cli / bench,
no cycles, and no Qt below app.

The contracts live in pyproject.toml ([tool.importlinter]); import-linter checks them here, and
the same contracts, applied to a copy of the package with deliberately wrong imports, must fail.
A plain AST check of Qt imports stays as a second, dependency-free guard.
"""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ROOT = REPO / "rnnviz"
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


# ---------------------------------------------------------------------- import-linter contracts
def _lint(config: Path, capsys: pytest.CaptureFixture[str]) -> tuple[bool, str]:
    """Run import-linter's contracts from ``config``; (passed, its report)."""
    from importlinter import configuration
    from importlinter.application.use_cases import lint_imports

    configuration.configure()  # what the lint-imports command does first
    passed = lint_imports(str(config), cache_dir=None, no_logo=True, is_debug_mode=True)
    return bool(passed), capsys.readouterr().out


def test_the_package_keeps_its_import_contracts(capsys: pytest.CaptureFixture[str]) -> None:
    passed, report = _lint(REPO / "pyproject.toml", capsys)
    assert passed, report
    for contract in ("Package direction", "No Qt below app", "No cycles"):
        assert re.search(rf"{contract}.* KEPT", report), report


def _wrong_copy(tmp_path: Path) -> Path:
    """The package copied as ``wrongviz`` with the contracts of pyproject.toml, plus three wrong
    imports: core imports train (upward), tasks imports pyqtgraph (Qt below app), and
    train.frame imports train.trainer, which imports it (a cycle)."""
    pkg = tmp_path / "wrongviz"
    shutil.copytree(ROOT, pkg, ignore=shutil.ignore_patterns("__pycache__"))
    for path in pkg.rglob("*.py"):
        path.write_text(path.read_text(encoding="utf-8").replace("rnnviz", "wrongviz"), "utf-8")
    wrong = {
        "core/heads.py": "from wrongviz.train import trainer  # upward\n",
        "tasks/vocab.py": "import pyqtgraph  # Qt below app\n",
        "train/frame.py": "from wrongviz.train import trainer  # a cycle\n",
    }
    for rel, line in wrong.items():
        with (pkg / rel).open("a", encoding="utf-8") as f:
            f.write(line)
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    lint = text[text.index("[tool.importlinter]") : text.index("[tool.ruff]")]
    (tmp_path / "pyproject.toml").write_text(lint.replace("rnnviz", "wrongviz"), "utf-8")
    return tmp_path / "pyproject.toml"


def test_the_contracts_fail_on_wrong_imports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _wrong_copy(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    passed, report = _lint(config, capsys)
    assert not passed
    for contract in ("Package direction", "No Qt below app", "No cycles"):
        assert re.search(rf"{contract}.* BROKEN", report), report
    assert "wrongviz.core.heads -> wrongviz.train.trainer" in report
    assert "wrongviz.tasks.vocab -> pyqtgraph" in report
    assert "No cycles are allowed in wrongviz.train" in report
