from django.urls import path

from . import messaging, pg, views

app_name = "sandbox"

# What machines use: also served alone by the stand-alone sandbox service (service_urls).
machine_patterns = [
    path("openapi.json", views.openapi_document, name="openapi"),
    path("agencies/<slug:agency_code>/", views.agency_root, name="agency"),
    path("agencies/<slug:agency_code>/jwks.json", views.agency_jwks, name="jwks"),
    path("agencies/<slug:agency_code>/items/<slug:item_code>/", views.item_endpoint, name="item"),
    path("tsa/", views.tsa_endpoint, name="tsa"),
    path("tsa/ca.pem", views.tsa_root_certificate, name="tsa_ca"),
    path("agencies/<slug:agency_code>/approvals/", views.approvals_endpoint, name="approvals"),
    # The sandbox payment gateway: its payment window (for the payer's browser) and its API.
    path("pg/checkout/", pg.checkout, name="pg_checkout"),
    path("pg/checkout/<slug:payment_key>/", pg.checkout_answer, name="pg_checkout_answer"),
    path("pg/v1/payments/confirm", pg.api_confirm, name="pg_confirm"),
    path("pg/v1/payments/<slug:payment_key>/cancel", pg.api_cancel, name="pg_cancel"),
    path("pg/v1/transactions", pg.api_transactions, name="pg_transactions"),
    # The sandbox messaging provider (SMS, KakaoTalk notification talk): its API.
    path("messaging/v1/messages", messaging.api_messages, name="messaging_messages"),
]

urlpatterns = [
    path("", views.index, name="index"),
    path("messaging/phone/", messaging.phone, name="messaging_phone"),
    *machine_patterns,
]
