"""``{% fragment "name" value ... %}…{% endfragment %}``: a part of every page (the main menu, the
footer, the static links) rendered once per process for each distinct set of values, then reused.

The key is the values named in the tag, the active language, the script prefix and autoescaping,
so the result is what rendering the part again would give, provided the part depends on nothing
else: never put a CSRF token, the query string or anything of the user but the values named inside
one. Bounded (least recently used first out), one table per tag in the template.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict

from django import template
from django.urls import get_script_prefix
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

MAX_ENTRIES_PER_FRAGMENT = 256
_lock = threading.Lock()
_nodes: weakref.WeakSet = weakref.WeakSet()


class FragmentNode(template.Node):
    def __init__(self, nodelist, name: str, values: list):
        self.nodelist = nodelist
        self.name = name
        self.values = values
        self.entries: OrderedDict[tuple, str] = OrderedDict()
        _nodes.add(self)

    def render(self, context) -> str:
        key = (get_language(), get_script_prefix(), context.autoescape,
               *(value.resolve(context) for value in self.values))
        with _lock:
            html = self.entries.get(key)
            if html is not None:
                self.entries.move_to_end(key)
                return html
        html = mark_safe(self.nodelist.render(context))  # noqa: S308 (rendered by the template, autoescaped)
        with _lock:
            self.entries[key] = html
            while len(self.entries) > MAX_ENTRIES_PER_FRAGMENT:
                self.entries.popitem(last=False)
        return html


@register.tag("fragment")
def do_fragment(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("'fragment' takes a name and the values the fragment depends on.")
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(nodelist, bits[1], [parser.compile_filter(bit) for bit in bits[2:]])


def clear() -> None:
    """Forget every rendered fragment (tests that change what a fragment shows)."""
    with _lock:
        for node in list(_nodes):
            node.entries.clear()
