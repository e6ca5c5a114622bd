from django.urls import path

from . import urls as _citizen_urls  # noqa: F401 (registers the "receipt" path converter)
from . import views_correction, views_officer

app_name = "officer"

urlpatterns = [
    path("", views_officer.workspace, name="workspace"),
    path("assign/", views_officer.assign, name="assign"),
    path("overview/", views_officer.overview, name="overview"),
    path("petitions/<receipt:receipt_no>/", views_officer.review, name="review"),
    path("petitions/<receipt:receipt_no>/reveal/", views_officer.reveal, name="reveal"),
    path("petitions/<receipt:receipt_no>/claim/", views_officer.claim, name="claim"),
    path("petitions/<receipt:receipt_no>/letter/accept/", views_officer.letter_accept, name="letter_accept"),
    path("petitions/<receipt:receipt_no>/letter/refuse/", views_officer.letter_refuse, name="letter_refuse"),
    path("petitions/<receipt:receipt_no>/notes/", views_officer.note, name="note"),
    path("petitions/<receipt:receipt_no>/refetch/<slug:item_code>/", views_officer.refetch, name="refetch"),
    path(
        "petitions/<receipt:receipt_no>/verified/<slug:item_code>/",
        views_officer.verified_otherwise,
        name="verified_otherwise",
    ),
    path("petitions/<receipt:receipt_no>/approve/", views_officer.approve, name="approve"),
    path("petitions/<receipt:receipt_no>/reject/", views_officer.reject, name="reject"),
    path("petitions/<receipt:receipt_no>/supplement/", views_officer.supplement, name="supplement"),
    path("petitions/<receipt:receipt_no>/attachments/<uuid:public_id>/", views_officer.attachment, name="attachment"),
    path(
        "petitions/<receipt:receipt_no>/documents/<uuid:public_id>/correct/",
        views_correction.correct_document,
        name="correct_document",
    ),
]
