"""Where the web service may be imported from: the desktop never imports it, and the
domain services (shared with the desktop) import no web framework."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WEB = {"fastapi", "starlette", "uvicorn", "jinja2", "wechatpy", "multipart", "itsdangerous"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_desktop_does_not_import_the_web_service():
    offences = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted((ROOT / "desktop").rglob("*.py"))
        for name in sorted(_imports(path))
        if name == "server.companion" or name.startswith("server.companion.")
    ]
    assert offences == []


def test_services_import_no_web_framework():
    offences = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted((ROOT / "server" / "services").rglob("*.py"))
        for name in sorted(_imports(path))
        if name.split(".")[0] in WEB or name.startswith("server.companion")
    ]
    assert offences == []
