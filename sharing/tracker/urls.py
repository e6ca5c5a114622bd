from django.urls import path

from . import views, views_stats

# The root URLconf (portal/urls.py) mounts these in the "tracker" namespace together with the
# pages of it that read petitions (petitions.urls_tracker): sharing never imports petitions.
app_name = "tracker"

urlpatterns = [
    path("my/data-access/", views.data_access, name="data_access"),
    path("my/data-access/<int:sequence>/concern/", views.concern, name="concern"),
    path("my/data-access/<int:sequence>/proof.json", views.entry_proof, name="entry_proof"),
    path("my/data-access/inquiries/", views.my_inquiries, name="my_inquiries"),
    path("officer/privacy/", views.privacy_inquiries, name="privacy_inquiries"),
    path("officer/privacy/<uuid:public_id>/", views.privacy_inquiry, name="privacy_inquiry"),
    path("officer/ops/", views_stats.operations, name="operations"),
    path("refunds/", views.refunds, name="refunds"),
    path("refunds/<uuid:public_id>/", views.refund_inquiry, name="refund_inquiry"),
    path("refunds/<uuid:public_id>/answers/", views.refund_answers, name="refund_answers"),
]
