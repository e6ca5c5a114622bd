"""/api/v1/ (namespace ``v1``: NamespaceVersioning reads the version from it)."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views_agency, views_citizen, views_public

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="v1:schema"), name="docs"),
    path("catalogue/types/", views_public.CatalogueList.as_view(), name="catalogue"),
    path("catalogue/types/<str:slug>/", views_public.CatalogueDetail.as_view(), name="catalogue_type"),
    path("stats/", views_public.Statistics.as_view(), name="stats"),
    path("documents/verify/<str:code>/", views_public.Verify.as_view(), name="verify"),
    path("me/petitions/", views_citizen.MyPetitions.as_view(), name="my_petitions"),
    path("me/petitions/<str:receipt_no>/", views_citizen.MyPetition.as_view(), name="my_petition"),
    path("me/petitions/<str:receipt_no>/status/", views_citizen.MyPetitionStatus.as_view(), name="my_petition_status"),
    path("me/documents/", views_citizen.MyDocuments.as_view(), name="my_documents"),
    path("me/documents/<uuid:public_id>/", views_citizen.MyDocument.as_view(), name="my_document"),
    path("me/documents/<uuid:public_id>/file/", views_citizen.MyDocumentFile.as_view(), name="my_document_file"),
    path("me/access-log/", views_citizen.MyAccessLog.as_view(), name="my_access_log"),
    path("agency/uses/", views_agency.AgencyUses.as_view(), name="agency_uses"),
    path("agency/lookups/", views_agency.AgencyLookups.as_view(), name="agency_lookups"),
    path("agency/lookups/<uuid:public_id>/", views_agency.AgencyLookup.as_view(), name="agency_lookup"),
    path("agency/inbox/", views_agency.AgencyInbox.as_view(), name="agency_inbox"),
    path("agency/inbox/<uuid:public_id>/", views_agency.AgencyInboxSubmission.as_view(), name="agency_inbox_item"),
    path("agency/inbox/<uuid:public_id>/file/", views_agency.AgencyInboxFile.as_view(), name="agency_inbox_file"),
    # Last: everything else under /api/v1/ (a path parameter holding "/" lands here too).
    re_path(r"^", views_public.NotFound.as_view(), name="not_found"),
]
