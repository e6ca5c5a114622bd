"""The layers a newcomer can see (DESIGN.md section 8), checked on the source with ast.

Every import counts, at module level or inside a function: ``import x``, ``from x import y``
and relative imports (resolved against the module's package).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCT_PACKAGES = ("portal", "sharing", "petitions")


def _python_files(package: str) -> Iterator[Path]:
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, root: Path = ROOT) -> Iterator[tuple[int, str, list[str]]]:
    """(line, imported module, names) of every import of the file, relative ones resolved."""
    module = _module_name(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, []
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            yield node.lineno, name, [alias.name for alias in node.names]


def _is_within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def test_the_import_walk_sees_local_and_relative_imports(tmp_path):
    """The walk itself: an import inside a function and a relative import are both found."""
    package = tmp_path / "sharing" / "tracker"
    package.mkdir(parents=True)
    source = package / "example.py"
    source.write_text(
        "def f():\n    from petitions.models import Petition\n\nfrom ..sandbox import models\nimport petitions.forms\n"
    )
    found = {(name, tuple(names)) for _line, name, names in _imports(source, tmp_path)}
    assert found == {("petitions.models", ("Petition",)), ("sharing.sandbox", ("models",)), ("petitions.forms", ())}


# --- sharing never imports petitions ----------------------------------------------------------


def test_sharing_never_imports_petitions():
    """No exception: what a plug-in of sharing needs of the layers above (the identity provider
    interface) lives in the bottom layer, portal."""
    offending = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in _python_files("sharing")
        for line, name, _names in _imports(path)
        if _is_within(name, "petitions")
    ]
    assert offending == []


# --- nothing outside the sandbox imports it -----------------------------------------------------

# Where the project mounts the sandbox when it is enabled, and why each may name it.
SANDBOX_MOUNTS: dict[str, str] = {
    "portal/urls.py": "mounts sharing.sandbox.urls under /sandbox/ when SANDBOX_AGENCIES_ENABLED",
}


def test_nothing_outside_the_sandbox_imports_it():
    offending = []
    for package in PRODUCT_PACKAGES:
        for path in _python_files(package):
            relative = path.relative_to(ROOT).as_posix()
            if relative.startswith("sharing/sandbox/") or relative in SANDBOX_MOUNTS:
                continue
            offending += [
                f"{relative}:{line} imports {name}"
                for line, name, _names in _imports(path)
                if _is_within(name, "sharing.sandbox")
            ]
    assert offending == []


def test_the_sandbox_mounts_are_still_needed():
    """An allow-list entry that names the sandbox no more is removed, not kept "just in case"."""
    for relative in SANDBOX_MOUNTS:
        text = (ROOT / relative).read_text(encoding="utf-8")
        assert "sharing.sandbox" in text, relative


# --- pages use sharing's public selectors -------------------------------------------------------


def test_pages_import_no_private_name_of_sharing():
    offending = [
        f"{path.relative_to(ROOT)}:{line} imports {name}.{imported}"
        for package in ("petitions", "portal")
        for path in _python_files(package)
        for line, name, names in _imports(path)
        if _is_within(name, "sharing")
        for imported in names
        if imported.startswith("_")
    ]
    assert offending == []


# --- the sandbox knows the portal by its published keys only ------------------------------------


def test_the_sandbox_never_reads_the_portals_key_files():
    offending = []
    for path in _python_files("sharing/sandbox"):
        text = path.read_text(encoding="utf-8")
        offending += [
            f"{path.relative_to(ROOT)}:{line} imports {name}"
            for line, name, names in _imports(path)
            if name == "sharing.keys" or (name == "sharing" and "keys" in names)
        ]
        offending += [
            f"{path.relative_to(ROOT)} names {setting}"
            for setting in ("PORTAL_SIGNING_KEY_FILES", "PORTAL_ENCRYPTION_KEY_FILES")
            if setting in text
        ]
    assert offending == []


# --- the identity provider interface is the bottom layer's -------------------------------------


def test_the_identity_provider_interface_imports_no_layer_above():
    path = ROOT / "portal" / "identity.py"
    offending = [
        f"portal/identity.py:{line} imports {name}"
        for line, name, _names in _imports(path)
        if _is_within(name, "sharing") or _is_within(name, "petitions")
    ]
    assert offending == []
