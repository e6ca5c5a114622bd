"""The project's forms and the pages that post them, found by crawling the site.

Form classes are found by importing every module of the project's packages; which URL posts
each one is found by opening every page (parameterless routes and the routes filled with the
fixture world's values) as each kind of user, taking the bound form instances from the
template context and the matching <form> element (method and action) from the HTML.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django import forms
from django.test.utils import ContextList
from django.urls import Resolver404, resolve

from .access import UnfillableParameter, combinations, url_for
from .routes import all_routes

PROJECT_PACKAGES = ("portal", "petitions", "sharing")
_SKIPPED_MODULE_PARTS = {"admin", "migrations", "management", "tests"}


def project_form_classes() -> list[type[forms.BaseForm]]:
    found = {}
    for package_name in PROJECT_PACKAGES:
        package = importlib.import_module(package_name)
        modules = [package_name] + [
            info.name for info in pkgutil.walk_packages(package.__path__, prefix=f"{package_name}.")
        ]
        for module_name in modules:
            if _SKIPPED_MODULE_PARTS & set(module_name.split(".")):
                continue
            try:
                module = importlib.import_module(module_name)
            except ImportError:
                continue  # an optional app (e.g. the sandbox) that is not installed here
            for value in vars(module).values():
                if isinstance(value, type) and issubclass(value, forms.BaseForm) and value.__module__ == module_name:
                    found[f"{module_name}.{value.__qualname__}"] = value
    return [found[key] for key in sorted(found)]


@dataclass
class HtmlForm:
    method: str
    action: str
    inputs: dict[str, str] = field(default_factory=dict)  # name -> the value the page put there
    multipart: bool = False


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[HtmlForm] = []
        self._current: HtmlForm | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._current = HtmlForm(
                method=(attrs.get("method") or "get").upper(),
                action=attrs.get("action") or "",
                multipart=attrs.get("enctype") == "multipart/form-data",
            )
            self.forms.append(self._current)
        elif self._current is not None and tag in ("input", "select", "textarea", "button") and attrs.get("name"):
            name = attrs["name"]
            kind = (attrs.get("type") or "").lower()
            if kind in ("checkbox", "radio") and "checked" not in attrs and name in self._current.inputs:
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                self._current.inputs.setdefault(name, "")
                return
            self._current.inputs[name] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def html_forms(html: str) -> list[HtmlForm]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


@dataclass
class Target:
    """One form posted by one kind of user to one URL."""

    form_class: type[forms.BaseForm]
    form: forms.BaseForm  # the instance the page rendered (its fields, choices and prefix)
    user: str
    page: str
    method: str
    url: str
    html_values: dict[str, str]
    multipart: bool

    @property
    def label(self) -> str:
        return f"{self.form_class.__module__}.{self.form_class.__qualname__} by {self.user} -> {self.method} {self.url}"


def context_values(response) -> list:
    """Every value of the template contexts a response was rendered with."""
    context = response.context
    if context is None:
        return []
    contexts = list(context) if isinstance(context, ContextList) else [context]
    values = []
    for item in contexts:
        if hasattr(item, "flatten"):
            values.extend(item.flatten().values())
        elif isinstance(item, dict):
            values.extend(item.values())
    return values


def _context_forms(response) -> list[forms.BaseForm]:
    found, seen = [], set()
    for value in context_values(response):
        candidates = value if isinstance(value, (list, tuple)) else [value]
        for candidate in candidates:
            if isinstance(candidate, forms.BaseForm) and id(candidate) not in seen:
                seen.add(id(candidate))
                found.append(candidate)
    return found


def _field_names(form: forms.BaseForm) -> set[str]:
    return {form.add_prefix(name) for name in form.fields}


def _match(form: forms.BaseForm, candidates: list[HtmlForm]) -> HtmlForm | None:
    names = _field_names(form)
    best, best_score = None, (0, 0)
    for candidate in candidates:
        present = {n for n in names if n in candidate.inputs or any(i.startswith(f"{n}_") for i in candidate.inputs)}
        extra = {
            i
            for i in candidate.inputs
            if i != "csrfmiddlewaretoken" and not any(i == n or i.startswith(f"{n}_") for n in names)
        }
        score = (len(present), -len(extra))  # most of the form's fields, then fewest others
        if present and len(present) * 2 >= len(names) and score > best_score:
            best, best_score = candidate, score
    return best


def page_urls(world, *, with_parameters: bool = True) -> list[str]:
    urls = []
    for route in all_routes():
        if route.parameters and not with_parameters:
            continue
        if route.is_admin or route.regex or route.path.startswith("/sandbox/") or route.name == "logout":
            continue
        if not route.parameters:
            urls.append(route.path)
            continue
        try:
            combos = combinations(route, world)
        except (UnfillableParameter, AssertionError):
            continue  # the access matrix reports these
        urls.extend(url for url in (url_for(route, values) for values in combos) if url)
    return sorted(set(urls)) + list(world.extra_pages)


def _unbound_instances() -> list[forms.BaseForm]:
    """Forms with declared fields, for pages that write the <form> element by hand."""
    instances = []
    for form_class in project_form_classes():
        if not getattr(form_class, "base_fields", None):
            continue
        try:
            instances.append(form_class())
        except TypeError:
            continue  # needs arguments: found through the template context only
    return instances


def discover_targets(clients: dict, world, *, owners: set[str]) -> list[Target]:
    """Crawls as each client; only ``owners`` (users with objects of their own in the world)
    open the routes with parameters, which are 404 for everyone else."""
    targets: dict[tuple, Target] = {}
    all_urls = page_urls(world)
    public_urls = page_urls(world, with_parameters=False)
    handwritten = _unbound_instances()
    post_only: set[str] = set()
    for user, client in clients.items():
        for url in all_urls if user in owners else public_urls:
            try:
                view_name = resolve(urlsplit(url).path).view_name
            except Resolver404:
                continue
            if view_name in post_only:
                continue
            response = client.get(url)
            if response.status_code == 405:
                post_only.add(view_name)  # shows no form of its own
                continue
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            candidates = html_forms(response.content.decode("utf-8", "replace"))
            if not candidates:
                continue
            matched = []
            for form in _context_forms(response):
                html = _match(form, candidates)
                if html is not None:
                    matched.append((form, html))
            # A <form> written by hand in the template: the form class whose fields are exactly its inputs.
            taken = {id(html) for _form, html in matched}
            for html in candidates:
                names = set(html.inputs) - {"csrfmiddlewaretoken", "next"}
                if id(html) in taken or not names:
                    continue
                for form in handwritten:
                    if set(form.fields) == names:
                        matched.append((form, html))
            for form, html in matched:
                action = urlsplit(urljoin(url, html.action or url))
                target_url = action.path
                try:
                    view_name = resolve(target_url).view_name
                except Resolver404:
                    continue
                key = (type(form), html.method, view_name)  # the first user who is shown it
                if key not in targets:
                    targets[key] = Target(
                        form_class=type(form),
                        form=form,
                        user=user,
                        page=url,
                        method=html.method,
                        url=target_url,
                        html_values=dict(html.inputs),
                        multipart=html.multipart,
                    )
    return list(targets.values())
