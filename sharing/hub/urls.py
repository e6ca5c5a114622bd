"""The hub's pages: applying for and deciding approved uses, officials' look-ups, oversight.

Each part adds its own patterns here; the views live in one module per part (views_*.py).
"""

from __future__ import annotations

from django.urls import path

from . import views_lookups

app_name = "hub"

urlpatterns: list = [
    # Officials' look-ups (열람) and citizens' online consents to them.
    path("lookups/", views_lookups.lookup_index, name="lookup_index"),
    path("lookups/new/<uuid:approved_use_id>/", views_lookups.lookup_new, name="lookup_new"),
    path("lookups/<uuid:public_id>/", views_lookups.lookup_detail, name="lookup_detail"),
    path("lookups/<uuid:public_id>/reveal/", views_lookups.lookup_reveal, name="lookup_reveal"),
    path("consents/", views_lookups.consents, name="consents"),
    path("consents/<uuid:public_id>/withdraw/", views_lookups.consent_withdraw, name="consent_withdraw"),
]
