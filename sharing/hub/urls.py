"""The hub's pages: applying for and deciding approved uses, officials' look-ups, oversight.

The views live in one module per part (views_*.py).
"""

from __future__ import annotations

from django.urls import path

from . import views_lookups, views_oversight, views_uses

app_name = "hub"

urlpatterns = [
    # Applying for and deciding uses.
    path("uses/", views_uses.uses_list, name="uses"),
    path("uses/apply/", views_uses.use_apply, name="use_apply"),
    path("uses/<uuid:use_id>/", views_uses.use_detail, name="use_detail"),
    path("reviews/", views_uses.reviews_inbox, name="reviews"),
    path("reviews/<uuid:use_id>/", views_uses.review, name="review"),
    path("reviews/<uuid:use_id>/<slug:action>/", views_uses.decide, name="decide"),
    # Oversight of look-ups, and usage by month.
    path("oversight/", views_oversight.overview, name="oversight"),
    path("oversight/flags/", views_oversight.flag_list, name="oversight_flags"),
    path("oversight/flags/<uuid:public_id>/", views_oversight.flag_detail, name="oversight_flag"),
    path("oversight/usage/", views_oversight.usage_page, name="oversight_usage"),
    path("oversight/usage.csv", views_oversight.usage_csv, name="oversight_usage_csv"),
    # Officials' look-ups (열람) and citizens' online consents to them.
    path("lookups/", views_lookups.lookup_index, name="lookup_index"),
    path("lookups/new/<uuid:approved_use_id>/", views_lookups.lookup_new, name="lookup_new"),
    path("lookups/<uuid:public_id>/", views_lookups.lookup_detail, name="lookup_detail"),
    path("lookups/<uuid:public_id>/reveal/", views_lookups.lookup_reveal, name="lookup_reveal"),
    path("consents/", views_lookups.consents, name="consents"),
    path("consents/<uuid:public_id>/withdraw/", views_lookups.consent_withdraw, name="consent_withdraw"),
]
