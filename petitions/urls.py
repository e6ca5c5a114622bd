from django.urls import path, register_converter

from . import views, views_delegation
from .payments import views as payment_views


class ReceiptNumberConverter:
    regex = r"\d{4}-\d{7}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(ReceiptNumberConverter, "receipt")

app_name = "petitions"

urlpatterns = [
    path("petitions/", views.catalogue, name="catalogue"),
    path("petitions/<slug:slug>/", views.petition_type_detail, name="type_detail"),
    path("petitions/<slug:slug>/apply/", views.wizard_start, name="wizard_start"),
    path("petitions/<slug:slug>/apply/<uuid:public_id>/discard/", views.wizard_discard, name="wizard_discard"),
    path(
        "petitions/<slug:slug>/apply/<uuid:public_id>/ask-consent/",
        views.wizard_consent_request,
        name="wizard_consent_request",
    ),
    path(
        "petitions/<slug:slug>/apply/<uuid:public_id>/fee-exemption/",
        payment_views.fee_exemption,
        name="fee_exemption",
    ),
    path("petitions/<slug:slug>/apply/<uuid:public_id>/<slug:step>/", views.wizard_step, name="wizard_step"),
    path("my/payments/<str:order_id>/return/", payment_views.payment_return, name="payment_return"),
    path("my/payments/<str:order_id>/fail/", payment_views.payment_fail, name="payment_fail"),
    path("payments/webhooks/<slug:provider>/", payment_views.payment_webhook, name="payment_webhook"),
    path("my/petitions/", views.my_petitions, name="my_list"),
    path("my/petitions/<receipt:receipt_no>/", views.my_petition_detail, name="my_detail"),
    path("my/petitions/<receipt:receipt_no>/progress/", views.my_petition_progress, name="my_progress"),
    path(
        "my/petitions/<receipt:receipt_no>/fetches/<int:fetch_id>/upload/",
        views.my_petition_fetch_upload,
        name="my_fetch_upload",
    ),
    path("my/petitions/<receipt:receipt_no>/withdraw/", views.my_petition_withdraw, name="my_withdraw"),
    path("my/petitions/<receipt:receipt_no>/supplement/", views.my_petition_supplement, name="my_supplement"),
    path("my/delegations/", views_delegation.delegations, name="delegations"),
    path("my/delegations/<int:delegation_id>/revoke/", views_delegation.delegation_revoke, name="delegation_revoke"),
    path(
        "my/delegations/consents/<int:representation_id>/",
        views_delegation.consent_answer,
        name="delegation_consent_answer",
    ),
    path("my/identity/", views.identity_start, name="identity"),
    path("my/identity/code/", views.identity_code, name="identity_code"),
]
