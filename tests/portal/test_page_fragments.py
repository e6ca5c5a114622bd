"""The parts of every page kept rendered (Django's cache tag, the "fragments" cache): each visitor
still sees the menu of their kind of account, their page marked, in their language."""

import re

import pytest
from django.core.cache import caches
from django.template import engines
from django.test import Client
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db


def _menu(html: str) -> str:
    menu = re.search(r'<ul class="gnb-menu">(.*?)</ul>', html, re.S)
    assert menu is not None
    return menu.group(1)


def test_the_menu_follows_the_kind_of_account_and_the_page(client, citizen_client, official_client):
    anonymous = _menu(client.get(reverse("home")).content.decode())
    citizen = _menu(citizen_client.get(reverse("home")).content.decode())
    official = _menu(official_client.get(reverse("officer:workspace")).content.decode())
    catalogue = _menu(citizen_client.get(reverse("petitions:catalogue")).content.decode())

    my_petitions = reverse("petitions:my_list")
    workspace = reverse("officer:workspace")
    assert my_petitions not in anonymous and workspace not in anonymous
    assert my_petitions in citizen and workspace not in citizen
    assert workspace in official and my_petitions not in official
    # The current page is marked, whoever rendered the menu before.
    assert re.search(r'href="/"[^>]*active[^>]*aria-current="page"', citizen)
    assert not re.search(r'href="/"[^>]*active', catalogue)
    assert re.search(rf'href="{reverse("petitions:catalogue")}"[^>]*active', catalogue)
    # Anonymous again, after the others: still the anonymous menu.
    assert _menu(client.get(reverse("home")).content.decode()) == anonymous


def test_the_language_is_part_of_the_key(client):
    korean = client.get(reverse("home")).content.decode()
    english_client = Client(HTTP_ACCEPT_LANGUAGE="en")
    english_client.cookies["django_language"] = "en"
    english = english_client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="en"' in english and 'lang="ko"' in korean
    assert _menu(english) != _menu(korean)
    with translation.override("en"):
        assert "Verify a document" in _menu(english)


def test_a_fragment_is_what_rendering_it_again_gives():
    template = engines["django"].from_string(
        "{% load i18n cache %}{% get_current_language as LANGUAGE_CODE %}"
        '{% cache None test LANGUAGE_CODE kind using="fragments" %}{% translate "Home" %} {{ kind }}{% endcache %}'
    )
    plain = engines["django"].from_string('{% load i18n %}{% translate "Home" %} {{ kind }}')
    for language in ("ko", "en", "ko"):
        with translation.override(language):
            for kind in ("a", "b", "<i>"):
                assert template.render({"kind": kind}) == plain.render({"kind": kind})
    caches["fragments"].clear()
    with translation.override("en"):
        assert template.render({"kind": "a"}) == plain.render({"kind": "a"})


def test_the_citizens_account_links_name_their_connected_apps_in_both_menus(client, citizen_client, official_client):
    apps = reverse("api_account:apps")
    page = citizen_client.get(reverse("home")).content.decode()
    header = re.search(r'<span class="portal-user">(.*?)</form>', page, re.S)
    phone = re.search(r'<span class="user">(.*?)</form>', page, re.S)
    assert header is not None and phone is not None
    for links in (header.group(1), phone.group(1)):
        assert f'href="{apps}"' in links and "연결된 앱" in links
    # Officials and visitors have no apps to manage: no link.
    assert apps not in official_client.get(reverse("officer:workspace")).content.decode()
    assert apps not in client.get(reverse("home")).content.decode()
