"""The one-way dependency rule: desktop → server → (reports, devices)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
QT = {"PySide6", "shiboken6", "PyQt5", "PyQt6"}
DATABASE = {"sqlalchemy", "psycopg", "psycopg2", "alembic", "pgserver"}
WEB = {"fastapi", "starlette", "uvicorn", "jinja2", "wechatpy"}
OURS = {"server", "desktop", "reports", "devices"}

FORBIDDEN = {
    "server": QT | {"desktop"},
    "reports": QT | DATABASE | OURS - {"reports"},
    "devices": QT | DATABASE | OURS - {"devices"},
    "desktop": WEB,
}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layer_imports(package):
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"{package} has no modules"
    offences = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in files
        for name in sorted(imported_roots(path) & FORBIDDEN[package])
    ]
    assert offences == []


def test_the_rule_is_checked_for_real(tmp_path):
    sample = tmp_path / "m.py"
    sample.write_text("import PySide6.QtCore\nfrom sqlalchemy import select\nfrom . import x\n")
    assert imported_roots(sample) == {"PySide6", "sqlalchemy"}
