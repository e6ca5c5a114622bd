"""The hub's pages: applying for and deciding approved uses, officials' look-ups, oversight.

Each part adds its own patterns here; the views live in one module per part (views_*.py).
"""

from __future__ import annotations

app_name = "hub"

urlpatterns: list = []

# Applying for and deciding uses (views_uses).
from django.urls import path  # noqa: E402

from . import views_uses  # noqa: E402

urlpatterns += [
    path("uses/", views_uses.uses_list, name="uses"),
    path("uses/apply/", views_uses.use_apply, name="use_apply"),
    path("uses/<uuid:use_id>/", views_uses.use_detail, name="use_detail"),
    path("reviews/", views_uses.reviews_inbox, name="reviews"),
    path("reviews/<uuid:use_id>/", views_uses.review, name="review"),
    path("reviews/<uuid:use_id>/<slug:action>/", views_uses.decide, name="decide"),
]
