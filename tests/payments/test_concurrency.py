"""Paying twice is impossible under concurrency (PostgreSQL, threads with their own connections):
duplicate webhooks, the PG's retries and the browser's return racing each other give one paid
payment and one filed petition; two orders of one petition paid at once keep one and refund one."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from petitions.models import Payment, PaymentEvent, Petition, TimelineEvent
from petitions.payments.services import payment_confirm

from .conftest import PASSPORT_FEE, passport_draft, webhook

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]
P = Payment.Status
URL = reverse("petitions:payment_webhook", args=["sandbox"])


def _race(jobs) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(len(jobs))

    def run(job):
        try:
            start.wait(timeout=10)
            job()
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_concurrent_duplicate_webhooks_and_the_return_give_one_payment_and_one_petition(demo_types, linked_citizen, pg):
    draft = passport_draft(linked_citizen)
    payment = Payment.objects.create(
        order_id="FEE-race", petition=draft, payer=linked_citizen, provider="sandbox", amount=PASSPORT_FEE
    )
    key = pg.take(payment.order_id, PASSPORT_FEE)
    same = webhook(order_id=payment.order_id, payment_key=key, amount=PASSPORT_FEE, event_id="evt_same")
    retries = [webhook(order_id=payment.order_id, payment_key=key, amount=PASSPORT_FEE) for _ in range(2)]
    answers: list[int] = []

    def deliver(body_headers):
        body, headers = body_headers
        answers.append(Client().post(URL, body, content_type="application/json", **headers).status_code)

    def come_back():
        payment_confirm(order_id=payment.order_id, payment_key=key, amount=PASSPORT_FEE, actor=linked_citizen)

    jobs = [lambda: deliver(same)] * 5 + [lambda b=b: deliver(b) for b in retries] + [come_back] * 2
    assert _race(jobs) == []
    assert answers == [200] * 7

    payment.refresh_from_db()
    draft.refresh_from_db()
    assert payment.status == P.PAID and payment.payment_key == key
    assert Payment.objects.filter(petition=draft, status=P.PAID).count() == 1
    assert PaymentEvent.objects.filter(event_id="evt_same").count() == 1
    assert PaymentEvent.objects.count() == 3  # each event once, whatever it changed
    assert draft.receipt_no and draft.status != Petition.Status.DRAFT
    assert TimelineEvent.objects.filter(petition=draft, to_status=Petition.Status.SUBMITTED).count() == 1
    assert pg.refunded == []


def test_two_orders_of_one_petition_paid_at_once_keep_one_payment_and_refund_the_other(demo_types, linked_citizen, pg):
    draft = passport_draft(linked_citizen)
    orders = [
        Payment.objects.create(
            order_id=f"FEE-window-{n}", petition=draft, payer=linked_citizen, provider="sandbox", amount=PASSPORT_FEE
        )
        for n in range(2)
    ]
    keys = [pg.take(order.order_id, PASSPORT_FEE) for order in orders]
    deliveries = [
        webhook(order_id=order.order_id, payment_key=key, amount=PASSPORT_FEE)
        for order, key in zip(orders, keys, strict=True)
    ]

    def deliver(body_headers):
        body, headers = body_headers
        assert Client().post(URL, body, content_type="application/json", **headers).status_code == 200

    assert _race([lambda d=d: deliver(d) for d in deliveries] * 2) == []
    statuses = sorted(Payment.objects.filter(petition=draft).values_list("status", flat=True))
    assert statuses == [P.PAID, P.REFUNDED]
    refunded = Payment.objects.get(petition=draft, status=P.REFUNDED)
    assert pg.refunded == [refunded.payment_key] and refunded.refund_reason == "duplicate_payment"
    draft.refresh_from_db()
    assert TimelineEvent.objects.filter(petition=draft, to_status=Petition.Status.SUBMITTED).count() == 1
