"""Product code builds on documented Django only (issue 16, developers' guide): no import of the
SQL compiler (``django.db.models.sql``), of the database backends (``django.db.backends``), or of
anything in ``django.db.models.query`` beyond ``QuerySet`` and ``Prefetch``; none of them named as
a string for ``importlib``/``import_string`` either. Checked on the source with ast (every import,
at module level or inside a function), as tests/test_layers.py does for the layers.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.test_layers import PRODUCT_PACKAGES, ROOT, _imports, _is_within, _python_files

INTERNAL_MODULES = ("django.db.models.sql", "django.db.backends")
QUERY_MODULE = "django.db.models.query"
DOCUMENTED_OF_QUERY = {"QuerySet", "Prefetch"}


def _offending_imports(path: Path, root: Path = ROOT) -> list[str]:
    found = []
    for line, name, names in _imports(path, root):
        if any(_is_within(name, internal) for internal in INTERNAL_MODULES):
            found.append(f"{line} imports {name}")
        elif name == "django.db.models" and "sql" in names:
            found.append(f"{line} imports django.db.models.sql")
        elif name == "django.db" and "backends" in names:
            found.append(f"{line} imports django.db.backends")
        elif _is_within(name, QUERY_MODULE) and (name != QUERY_MODULE or not names):
            found.append(f"{line} imports {name}")  # `import django.db.models.query`, its submodules
        elif name == QUERY_MODULE:
            found += [f"{line} imports {name}.{imported}" for imported in names if imported not in DOCUMENTED_OF_QUERY]
    return found


def _offending_strings(path: Path) -> list[str]:
    """Dotted paths of the internals given to ``import_module``/``import_string``/``__import__``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        function = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        argument = node.args[0]
        if (
            function in {"import_module", "import_string", "__import__"}
            and isinstance(argument, ast.Constant)
            and isinstance(argument.value, str)
            and any(_is_within(argument.value, internal) for internal in (*INTERNAL_MODULES, QUERY_MODULE))
        ):
            found.append(f"{node.lineno} loads {argument.value}")
    return found


def test_product_code_imports_no_django_internals():
    offending = [
        f"{path.relative_to(ROOT)}:{finding}"
        for package in PRODUCT_PACKAGES
        for path in _python_files(package)
        for finding in _offending_imports(path) + _offending_strings(path)
    ]
    assert offending == []


def test_the_check_sees_every_way_of_importing_an_internal(tmp_path):
    """The check itself: each of these lines is found, and the documented ones are not."""
    package = tmp_path / "sharing"
    package.mkdir()
    source = package / "example.py"
    source.write_text(
        "from django.db.models.sql import Query\n"
        "from django.db.models import sql\n"
        "import django.db.backends.postgresql.base\n"
        "from django.db import backends\n"
        "from django.db.models.query import QuerySet, Prefetch, get_related_populators\n"
        "import django.db.models.query\n"
        "def f():\n"
        "    from django.db.backends.postgresql.base import ServerBindingCursor\n"
        "    import_module('django.db.backends.utils')\n"
        "from django.db.models import Prefetch, QuerySet, Q\n"
        "from django.db import connection, models\n"
    )
    found = sorted(_offending_imports(source, tmp_path) + _offending_strings(source), key=lambda f: int(f.split()[0]))
    assert found == [
        "1 imports django.db.models.sql",
        "2 imports django.db.models.sql",
        "3 imports django.db.backends.postgresql.base",
        "4 imports django.db.backends",
        "5 imports django.db.models.query.get_related_populators",
        "6 imports django.db.models.query",
        "8 imports django.db.backends.postgresql.base",
        "9 loads django.db.backends.utils",
    ]
