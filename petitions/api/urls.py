"""/api/v1/ (namespace ``v1``: NamespaceVersioning reads the version from it)."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views_public

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="v1:schema"), name="docs"),
    path("catalogue/types/", views_public.CatalogueList.as_view(), name="catalogue"),
    path("catalogue/types/<str:slug>/", views_public.CatalogueDetail.as_view(), name="catalogue_type"),
    path("stats/", views_public.Statistics.as_view(), name="stats"),
    path("documents/verify/<str:code>/", views_public.Verify.as_view(), name="verify"),
    # Last: everything else under /api/v1/ (a path parameter holding "/" lands here too).
    re_path(r"^", views_public.NotFound.as_view(), name="not_found"),
]
