"""The hub's pages: applying for and deciding approved uses, officials' look-ups, oversight.

Each part adds its own patterns here; the views live in one module per part (views_*.py).
"""

from __future__ import annotations

from django.urls import path

from . import views_oversight

app_name = "hub"

urlpatterns: list = []

# Oversight of look-ups, and usage by month (views_oversight).
urlpatterns += [
    path("oversight/", views_oversight.overview, name="oversight"),
    path("oversight/flags/", views_oversight.flag_list, name="oversight_flags"),
    path("oversight/flags/<uuid:public_id>/", views_oversight.flag_detail, name="oversight_flag"),
    path("oversight/usage/", views_oversight.usage_page, name="oversight_usage"),
    path("oversight/usage.csv", views_oversight.usage_csv, name="oversight_usage_csv"),
]
