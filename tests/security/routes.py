"""The URL configuration, walked: every route with its converters, its namespace and its view.

The security battery derives what to test from here, so a URL added tomorrow is covered by
the tests without editing them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter, PathConverter, SlugConverter, StringConverter, UUIDConverter
from django.urls.resolvers import RegexPattern

_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>[^)]*)\)")


@dataclass(frozen=True)
class Parameter:
    name: str
    kind: str  # int, str, slug, uuid, path, or the name of a project converter (e.g. receipt)
    preceding: str  # the literal path segment right before the parameter ("" at the start)
    preceding_segments: tuple[str, ...] = ()  # every literal segment before it, nearest first


@dataclass(frozen=True)
class Route:
    template: str  # e.g. "my/petitions/<receipt:receipt_no>/withdraw/"
    name: str  # "petitions:my_withdraw", or "" for an unnamed pattern
    callback: object = field(compare=False, hash=False, repr=False)
    parameters: tuple[Parameter, ...] = ()
    regex: bool = False

    @property
    def path(self) -> str:
        return "/" + self.template

    @property
    def is_admin(self) -> bool:
        return self.name.startswith("admin:") or self.template.startswith("admin/")

    def build(self, values: dict[str, object]) -> str:
        """The URL with each parameter replaced by its value."""
        if self.regex:
            text = self.template.lstrip("^").rstrip("$").replace("\\", "")

            def regex_group(match):
                return str(values[match.group("name")])

            return "/" + _REGEX_GROUP.sub(regex_group, text)

        def replace(match):
            return str(values[match.group("name")])

        return "/" + _PARAMETER.sub(replace, self.template)


_BUILTIN_KINDS = {
    IntConverter: "int",
    StringConverter: "str",
    SlugConverter: "slug",
    UUIDConverter: "uuid",
    PathConverter: "path",
}


def _kind(converter) -> str:
    for cls, kind in _BUILTIN_KINDS.items():
        if type(converter) is cls:
            return kind
    # A project converter: named by its class ("ReceiptNumberConverter" -> "receipt").
    name = type(converter).__name__.removesuffix("Converter")
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower().split("_")[0]


def _parameters(template: str, converters: dict) -> tuple[Parameter, ...]:
    found = []
    for match in _PARAMETER.finditer(template):
        name = match.group("name")
        segments = [seg for seg in template[: match.start()].split("/") if seg and "<" not in seg]
        before = template[: match.start()].rstrip("/").rsplit("/", 1)[-1]
        before = "" if "<" in before else before
        kind = _kind(converters[name]) if name in converters else (match.group("converter") or "str")
        found.append(Parameter(name=name, kind=kind, preceding=before, preceding_segments=tuple(reversed(segments))))
    return tuple(found)


def _regex_parameters(template: str) -> tuple[Parameter, ...]:
    found = []
    for match in _REGEX_GROUP.finditer(template):
        before = template[: match.start()].rstrip("/").rsplit("/", 1)[-1].lstrip("^")
        found.append(Parameter(name=match.group("name"), kind="regex", preceding=before))
    return tuple(found)


def _walk(patterns, prefix: str, namespace: str, converters: dict, regex: bool):
    for entry in patterns:
        pattern = entry.pattern
        is_regex = regex or isinstance(pattern, RegexPattern)
        text = str(pattern)  # the route, or the regular expression
        if is_regex and isinstance(pattern, RegexPattern):
            text = text.lstrip("^").rstrip("$")
        merged = {**converters, **getattr(pattern, "converters", {})}
        if isinstance(entry, URLResolver):
            inner = (
                f"{namespace}:{entry.namespace}" if namespace and entry.namespace else (entry.namespace or namespace)
            )
            yield from _walk(entry.url_patterns, prefix + text, inner or "", merged, is_regex)
        elif isinstance(entry, URLPattern):
            template = prefix + text
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or "")
            parameters = _regex_parameters(template) if is_regex else _parameters(template, merged)
            yield Route(template=template, name=name, callback=entry.callback, parameters=parameters, regex=is_regex)


def all_routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns, "", "", {}, False))


def view_function(route: Route):
    """The function behind a route, through decorators and class-based views."""
    callback = route.callback
    seen = set()
    while callback is not None and id(callback) not in seen:
        seen.add(id(callback))
        view_class = getattr(callback, "view_class", None)
        if view_class is not None:
            return view_class
        wrapped = getattr(callback, "__wrapped__", None)
        if wrapped is None:
            return callback
        callback = wrapped
    return callback


def view_module(route: Route) -> str:
    return getattr(view_function(route), "__module__", "") or ""
