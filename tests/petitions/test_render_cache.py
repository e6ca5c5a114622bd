"""Forms rendered once per distinct form (petitions.render_cache) render exactly like ``|crispy``."""

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_form
from django import forms
from django.http import QueryDict
from django.utils import translation

from petitions import render_cache


class _Form(forms.Form):
    q = forms.CharField(label="Search", max_length=5, required=False)
    kind = forms.ChoiceField(label="Kind", required=False)

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Any")] + list(kinds)


@pytest.fixture(autouse=True)
def _empty():
    render_cache.clear()
    yield
    render_cache.clear()


@pytest.mark.parametrize("data", [None, "q=abc", "q=toolongvalue", "kind=b&q=x", "kind=nope"])
def test_same_html_as_crispy(data):
    kinds = [("a", "A"), ("b", "B")]

    def make():
        return _Form(QueryDict(data) if data is not None else None, kinds=kinds)

    expected = str(as_crispy_form(make()))
    assert str(render_cache.crispy_form_html(make())) == expected
    assert str(render_cache.crispy_form_html(make())) == expected  # from the cache


def test_data_choices_and_language_make_different_entries():
    first = str(render_cache.crispy_form_html(_Form(QueryDict("q=abc"), kinds=[("a", "A")])))
    other_data = str(render_cache.crispy_form_html(_Form(QueryDict("q=abd"), kinds=[("a", "A")])))
    other_choices = str(render_cache.crispy_form_html(_Form(QueryDict("q=abc"), kinds=[("a", "Renamed")])))
    assert 'value="abd"' in other_data and 'value="abd"' not in first
    assert "Renamed" in other_choices and "Renamed" not in first
    with translation.override("en"):
        english = str(render_cache.crispy_form_html(forms.Form()))
    with translation.override("ko"):
        korean = str(render_cache.crispy_form_html(forms.Form()))
    assert english == korean  # no field: same html, but two entries
    assert len(render_cache._entries) == 5


def test_bound_forms_are_not_taken_from_the_cache_by_the_filter():
    bound = _Form(QueryDict("q=toolongvalue"))
    assert str(render_cache.crispy_unbound_html(bound)) == str(as_crispy_form(_Form(QueryDict("q=toolongvalue"))))
    assert not render_cache._entries
