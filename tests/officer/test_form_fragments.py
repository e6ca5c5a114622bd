"""Forms kept as {% cache %} fragments (templates/includes/cached_form.html) render exactly like
``|crispy``, under a key that holds everything they are rendered from besides the code."""

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_form
from django import forms
from django.core.cache import caches
from django.http import QueryDict
from django.template.loader import render_to_string

from petitions.views_officer import _form_version


class _Form(forms.Form):
    q = forms.CharField(label="Search", max_length=5, required=False)
    kind = forms.ChoiceField(label="Kind", required=False)

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Any")] + list(kinds)


@pytest.fixture(autouse=True)
def _empty():
    caches["fragments"].clear()
    yield
    caches["fragments"].clear()


def _render(form, version, language="ko"):
    return render_to_string(
        "includes/cached_form.html", {"form": form, "version": version, "LANGUAGE_CODE": language}
    ).strip()


def _key(data, kinds):
    return _form_version(_Form(), kinds, sorted(QueryDict(data or "").lists()))


@pytest.mark.parametrize("data", [None, "q=abc", "q=toolongvalue", "kind=b&q=x", "kind=nope"])
def test_same_html_as_crispy(data):
    kinds = [("a", "A"), ("b", "B")]

    def make():
        return _Form(QueryDict(data) if data is not None else None, kinds=kinds)

    expected = str(as_crispy_form(make())).strip()
    assert _render(make(), _key(data, kinds)) == expected
    assert _render(make(), _key(data, kinds)) == expected  # from the cache


def test_data_choices_and_language_make_different_fragments():
    first = _render(_Form(QueryDict("q=abc"), kinds=[("a", "A")]), _key("q=abc", [("a", "A")]))
    other_data = _render(_Form(QueryDict("q=abd"), kinds=[("a", "A")]), _key("q=abd", [("a", "A")]))
    other_choices = _render(_Form(QueryDict("q=abc"), kinds=[("a", "Renamed")]), _key("q=abc", [("a", "Renamed")]))
    assert 'value="abd"' in other_data and 'value="abd"' not in first
    assert "Renamed" in other_choices and "Renamed" not in first
    # The language is part of the key: a form drawn in Korean is not served to English readers.
    _render(_Form(), "same", language="ko")
    assert _render(_Form(kinds=[("a", "English")]), "same", language="en") != _render(_Form(), "same", language="ko")


def test_a_form_without_a_version_is_rendered_anew():
    bound = _Form(QueryDict("q=toolongvalue"))
    assert _render(bound, None) == str(as_crispy_form(_Form(QueryDict("q=toolongvalue")))).strip()
    assert _render(_Form(QueryDict("q=other")), None) == str(as_crispy_form(_Form(QueryDict("q=other")))).strip()


def test_two_form_classes_never_share_a_fragment():
    class _Other(_Form):
        pass

    assert _form_version(_Form()) != _form_version(_Other())


def test_an_admin_edit_of_a_petition_type_shows_at_once_in_the_queue_filter(demo_types, official_client):
    from django.urls import reverse

    from petitions.models import PetitionType

    url = reverse("officer:workspace")
    assert "여권 발급 신청" in official_client.get(url).content.decode()
    passport = PetitionType.objects.get(slug="passport-issuance")
    passport.name_ko = "여권 발급 신청(개정)"
    passport.save()
    assert "여권 발급 신청(개정)" in official_client.get(url).content.decode()


def test_the_supplement_form_offers_the_answers_of_each_petitions_own_type(official_client, petition):
    """The supplement form's choices come from the petition's type: part of the fragment's key."""
    from petitions.models import Petition

    response = official_client.get(f"/officer/petitions/{petition.receipt_no}/")
    labels = [label for _key, label in response.context["supplement_form"].fields["field_keys"].choices]
    assert labels and all(str(label) in response.content.decode() for label in labels)
    snapshot = {**petition.type_snapshot, "fields": [{"key": "other", "label_ko": "다른 항목", "label_en": "Other"}]}
    Petition.objects.filter(pk=petition.pk).update(type_snapshot=snapshot)
    content = official_client.get(f"/officer/petitions/{petition.receipt_no}/").content.decode()
    assert "다른 항목" in content
