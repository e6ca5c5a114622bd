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


class _Labelled(forms.Form):
    """A form whose words and attributes are set per instance (as when they come from the database)."""

    name = forms.CharField(label="Name", required=False)

    def __init__(self, *args, label="Name", help_text="", attrs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].label = label
        self.fields["name"].help_text = help_text
        self.fields["name"].widget.attrs.update(attrs or {})


@pytest.mark.parametrize(
    "change",
    [
        {"label": "Full name"},
        {"help_text": "As on your ID card"},
        {"attrs": {"placeholder": "Hong Gildong"}},
        {"attrs": {"maxlength": "20"}},
    ],
)
def test_an_edit_of_a_label_help_text_or_widget_attribute_shows_at_once(change):
    assert str(render_cache.crispy_form_html(_Labelled())) == str(as_crispy_form(_Labelled()))
    edited = str(render_cache.crispy_form_html(_Labelled(**change)))
    assert edited == str(as_crispy_form(_Labelled(**change)))
    assert edited != str(as_crispy_form(_Labelled()))


def test_an_admin_edit_of_a_petition_type_shows_at_once_in_the_queue_filter(demo_types, official_client):
    from django.urls import reverse

    from petitions.models import PetitionType

    url = reverse("officer:workspace")
    assert "여권 발급 신청" in official_client.get(url).content.decode()
    passport = PetitionType.objects.get(slug="passport-issuance")
    passport.name_ko = "여권 발급 신청(개정)"
    passport.save()
    assert "여권 발급 신청(개정)" in official_client.get(url).content.decode()
