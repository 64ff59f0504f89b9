"""The one-way dependency rules: desktop → server → (reports, devices), and inside
server/services the domain packages in their order, none reaching into another module's
private names."""

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


# --- inside server/: one package per domain, importing only downwards -----------------
# The order of shared/DESIGN.md ("Inside `server/`"): a package imports only the ones before it.
DOMAINS = (
    "core",
    "staff",
    "accounts",
    "metering",
    "control",
    "billing",
    "collection",
    "online_pay",
    "residents",
    "reports",
    "legacy",
)
SERVICES = ROOT / "server" / "services"


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, with `from a import b` as both `a` and `a.b`."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def domain_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[:2] == ["server", "services"] and len(parts) > 2:
        return parts[2]
    return None


def test_services_are_the_domain_packages():
    entries = {p.name for p in SERVICES.iterdir() if p.name != "__pycache__"}
    assert entries == {*DOMAINS, "__init__.py"}


@pytest.mark.parametrize("domain", DOMAINS)
def test_domains_import_only_downwards(domain):
    allowed = set(DOMAINS[: DOMAINS.index(domain) + 1])
    offences = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted((SERVICES / domain).rglob("*.py"))
        for name in sorted(imported_modules(path))
        if (found := domain_of(name)) is not None and found not in allowed
    ]
    assert offences == []


def test_services_never_import_demo_or_ops():
    offences = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted(SERVICES.rglob("*.py"))
        for name in sorted(imported_modules(path))
        if name.split(".")[:2] in (["server", "demo"], ["server", "ops"])
    ]
    assert offences == []


def test_desktop_never_imports_the_orm_models():
    """Screens take their words (kinds, channels, statuses) from the services' vocabulary."""
    offences = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted((ROOT / "desktop").rglob("*.py"))
        for name in sorted(imported_modules(path))
        if name.split(".")[:3] == ["server", "db", "models"]
    ]
    assert offences == []


def private_imports(path: Path) -> list[str]:
    """`from our.module import _name`: a rule used elsewhere belongs public in its home."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        f"{node.module}.{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
        if node.module.split(".")[0] in OURS
        for alias in node.names
        if alias.name.startswith("_") and not alias.name.startswith("__")
    ]


def test_no_module_imports_another_modules_private_name():
    offences = [
        f"{path.relative_to(ROOT)} imports {name}"
        for package in sorted(OURS)
        for path in sorted((ROOT / package).rglob("*.py"))
        for name in private_imports(path)
    ]
    assert offences == []


def test_the_package_rules_are_checked_for_real(tmp_path):
    sample = tmp_path / "m.py"
    sample.write_text(
        "from server.services import billing\n"
        "from server.services.metering.ingest import _judge, meters_for\n"
        "from server.demo import clock\n"
        "from reports.pdfpages import fit_text as _fit\n"
    )
    found = imported_modules(sample)
    assert {domain_of(name) for name in found} == {"billing", "metering", None}
    assert "server.demo.clock" in found
    assert private_imports(sample) == ["server.services.metering.ingest._judge"]
