"""Rendered fragments that are a pure function of their inputs, kept in the process.

The officer queue's filter form is rendered by crispy-forms on every page of the queue: some
hundred template includes (3.75 ms of CPU, measured with the template loader's cache on) for a
form that only changes with the query string, the language and the petition types. Its HTML is
kept here, keyed by everything it is rendered from (each field's kind, widget, label, help
text, widget attributes, choices and initial value; the form's data, prefix and classes), so
an edit of any of them, by an administrator or in the code, shows at once and the result is
the same as rendering it again. A form with a crispy ``helper`` is rendered anew.
Bounded (least recently used first out).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

MAX_ENTRIES = 512
_entries: OrderedDict[str, str] = OrderedDict()
_lock = threading.Lock()


def _field_key(name: str, field) -> list:
    """Everything of a field its HTML is rendered from: kind, widget, words, attributes, choices."""
    widget = field.widget
    choices = getattr(field, "choices", None)
    return [
        name,
        type(field).__module__,
        type(field).__qualname__,
        type(widget).__module__,
        type(widget).__qualname__,
        str(field.label) if field.label is not None else None,
        str(field.help_text),
        field.required,
        field.disabled,
        field.show_hidden_initial,
        field.localize,
        {key: str(value) for key, value in widget.attrs.items()},
        getattr(widget, "input_type", None),
        getattr(widget, "format", None),
        [[str(value), str(label)] for value, label in choices] if choices is not None else None,
        field.initial() if callable(field.initial) else field.initial,
    ]


def _form_key(form) -> str:
    fields = [_field_key(name, field) for name, field in form.fields.items()]
    data = sorted((key, form.data.getlist(key)) for key in form.data) if form.is_bound else None
    raw = json.dumps(
        [
            type(form).__module__,
            type(form).__qualname__,
            get_language(),
            form.is_bound,
            data,
            form.initial,
            form.prefix,
            form.auto_id,
            form.label_suffix,
            form.use_required_attribute,
            getattr(form, "error_css_class", None),
            getattr(form, "required_css_class", None),
            form.field_order,
            fields,
        ],
        default=str,
        sort_keys=True,
    )
    return hashlib.sha256(raw.encode()).hexdigest()


def crispy_form_html(form) -> SafeString:
    """``{{ form|crispy }}``, rendered once per distinct form (data, choices, initial values, language).

    Only for forms whose rendering is a function of these: a bound form's errors must come from
    its data and choices alone (no clock, no database), else pass it unbound or render it anew."""
    from crispy_forms.templatetags.crispy_forms_filters import as_crispy_form

    if getattr(form, "helper", None) is not None:
        return as_crispy_form(form)  # a layout of its own: not part of the key
    key = _form_key(form)
    with _lock:
        html = _entries.get(key)
        if html is not None:
            _entries.move_to_end(key)
            return mark_safe(html)
    html = str(as_crispy_form(form))
    with _lock:
        _entries[key] = html
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return mark_safe(html)


def crispy_unbound_html(form) -> SafeString:
    """The ``crispy_cached`` template filter: an unbound form from the cache, a bound one anew."""
    from crispy_forms.templatetags.crispy_forms_filters import as_crispy_form

    if form.is_bound:
        return as_crispy_form(form)
    return crispy_form_html(form)


def clear() -> None:
    with _lock:
        _entries.clear()
