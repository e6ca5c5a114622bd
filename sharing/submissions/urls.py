from django.urls import path

from . import views

app_name = "submissions"

urlpatterns = [
    # Citizens: their documents and what they sent.
    path("my/documents/<uuid:document_id>/", views.document_detail, name="document"),
    path("my/documents/<uuid:document_id>/submit/", views.submit, name="submit"),
    path("my/submissions/", views.my_submissions, name="my_submissions"),
    path("my/submissions/<uuid:submission_id>/", views.my_submission, name="my_submission"),
    path("my/submissions/<uuid:submission_id>/withdraw/", views.withdraw, name="withdraw"),
    # Recipient staff (behind the second factor: portal.middleware.SECOND_FACTOR_PREFIXES).
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<uuid:submission_id>/", views.inbox_submission, name="inbox_submission"),
    path("inbox/<uuid:submission_id>/download/", views.inbox_download, name="inbox_download"),
]
