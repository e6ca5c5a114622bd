"""The pages of the "tracker" namespace that read or file petitions.

The root URLconf mounts them together with sharing.tracker.urls (same namespace, same paths as
before): /stats/ counts the petitions filed, and claiming refunds files petitions.
"""

from django.urls import path

from . import views_refunds, views_stats

urlpatterns = [
    path("refunds/<uuid:public_id>/apply/", views_refunds.refund_apply, name="refund_apply"),
    path("stats/", views_stats.stats_page, name="stats"),
]
