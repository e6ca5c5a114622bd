"""Templates render HTML; Python never assembles HTML strings (issue 16), checked on the source with ast.

Product code (portal, petitions, sharing; not migrations) may mark text safe (``mark_safe``,
``SafeString``) or build markup (``format_html``, ``format_html_join``) only around the output of
a template render (``render_to_string(...)``, ``template.render(...)``), or in one of the few
places listed in ``ALLOWED`` below, each with its reason. Anything else is HTML assembled in
Python: write a template (an include) instead.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.test_layers import PRODUCT_PACKAGES, ROOT, _python_files

MARKUP_CALLS = {"mark_safe", "SafeString", "format_html", "format_html_join"}
MARKUP_MODULES = {"django.utils.html", "django.utils.safestring"}
RENDER_CALLS = {"render_to_string", "render"}

# (file, enclosing function) -> why the call is legitimate there.
ALLOWED: dict[tuple[str, str], str] = {
    ("petitions/catalogue_cache.py", "safe"): (
        "the catalogue pages' content is the output of render_to_string (petitions/views.py), kept in "
        "the shared cache as plain text (entries written before a deploy included) and marked safe "
        "again when a page shows it"
    ),
}


def _calls(tree: ast.AST) -> Iterator[tuple[ast.Call, str, str]]:
    """(call, name called, enclosing function) of every call of a markup function."""
    local_names = {}  # the name a markup function is bound to in the module -> its own name
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in MARKUP_MODULES:
            for alias in node.names:
                if alias.name in MARKUP_CALLS:
                    local_names[alias.asname or alias.name] = alias.name

    def visit(node: ast.AST, function: str) -> Iterator[tuple[ast.Call, str, str]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                yield from visit(child, child.name)
                continue
            if isinstance(child, ast.Call):
                func = child.func
                if isinstance(func, ast.Name) and func.id in local_names:
                    yield child, local_names[func.id], function
                elif isinstance(func, ast.Attribute) and func.attr in MARKUP_CALLS:
                    yield child, func.attr, function
            yield from visit(child, function)

    yield from visit(tree, "<module>")


def _is_template_render(node: ast.expr) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    return name in RENDER_CALLS


def offences(source: str, path: str) -> list[str]:
    """Where ``source`` builds or marks markup in Python, except around a template render or as allowed."""
    found = []
    for call, name, function in _calls(ast.parse(source, filename=path)):
        if (path, function) in ALLOWED:
            continue
        if call.args and _is_template_render(call.args[0]) and name in ("mark_safe", "SafeString"):
            continue
        found.append(f"{path}:{call.lineno} {name}() in {function}()")
    return found


def _product_sources() -> Iterator[tuple[str, str]]:
    for package in PRODUCT_PACKAGES:
        for path in _python_files(package):
            yield path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8")


def test_product_code_assembles_no_html():
    found = [offence for path, source in _product_sources() for offence in offences(source, path)]
    assert found == [], "HTML assembled in Python (render it with a template):\n" + "\n".join(found)


def test_every_allowance_is_still_needed():
    """An allowance whose call has gone goes too: the list stays the few places that need one."""
    used = set()
    for path, source in _product_sources():
        for _call, _name, function in _calls(ast.parse(source, filename=path)):
            if (path, function) in ALLOWED:
                used.add((path, function))
    assert set(ALLOWED) - used == set()


def test_the_check_finds_markup_built_in_python_and_lets_template_output_through():
    source = """
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe as safe, SafeString
from django.template.loader import render_to_string
from django.utils import html

def rows(items):
    return safe("".join(f"<tr><td>{item}</td></tr>" for item in items))

def badge(label):
    return format_html('<span class="badge">{}</span>', label)

def joined(items):
    return html.format_html_join("", "<li>{}</li>", ((item,) for item in items))

def wrapped(text):
    return SafeString("<b>" + text + "</b>")

def rendered(context):
    return safe(render_to_string("x.html", context))

def rendered_too(template, context):
    return SafeString(template.render(context))
"""
    assert offences(source, "example.py") == [
        "example.py:8 mark_safe() in rows()",
        "example.py:11 format_html() in badge()",
        "example.py:14 format_html_join() in joined()",
        "example.py:17 SafeString() in wrapped()",
    ]


def test_the_product_packages_are_where_the_check_looks():
    for package in PRODUCT_PACKAGES:
        assert (Path(ROOT) / package / "__init__.py").exists()
