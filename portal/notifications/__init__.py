"""Notifications to citizens through channels: e-mail, SMS and KakaoTalk (알림톡).

The bottom layer, so that every layer above records what it sends in one place:

- ``channels.py``: the channel interface (``BaseChannel.send(message) -> SendResult``) and its
  registry (like the agencies' and the payment providers' registries); ``email`` (Django's mail
  backend) and, in ``sandbox_client.py``, the client of the sandbox messaging provider
  (``/sandbox/messaging/``) for ``sms`` and ``kakao``. Which implementation serves a medium is
  set by ``NOTIFICATION_CHANNELS`` (README: "Notifications").
- ``models.py``: ``NotificationPreference`` (the citizen's channels, phone number and consent)
  and ``Notification``: one row per message per channel, queued, sent (with the provider's
  message id) or failed (with the reason), with the short text that was sent (never an RRN).
- ``services.notify``: renders nothing itself; the caller passes the texts already rendered in
  the recipient's language. It writes one queued row per channel the recipient chose (once per
  ``dedupe_key``: a redelivered task writes nothing twice) and queues their delivery after the
  commit. ``tasks.notification_deliver`` sends, retrying a provider that is down, failing or slow
  with exponential back-off and jitter; every attempt is recorded on the row, and a row still
  queued after its retries is marked failed, never dropped. Beat's ``notifications_recover``
  queues again a row whose task died with a worker.

Adding a kind of notification (e.g. "document corrected") is one function in the layer that
knows the event, decorated with ``kinds.notification_kind`` (its label, shown on the petition's
page), that renders its texts in the recipient's language and calls ``notify``. In
``petitions.notifications`` the helper ``_notify_about_petition`` does the rendering from
``petitions/email/<template>_subject.txt``, ``<template>.txt`` and ``petitions/sms/<template>.txt``
(three small templates to write beside the function)::

    @notification_kind("document_corrected", _("Document corrected"))
    def document_corrected_send(*, petition_id: int, document_id: int) -> bool:
        petition = Petition.objects.select_related("applicant").get(pk=petition_id)
        return _notify_about_petition(
            petition, recipient=petition.applicant, kind="document_corrected",
            template="document_corrected", dedupe_key=f"document:{document_id}", context={...},
        )

Queue it from a Celery task (or ``transaction.on_commit``) as the other kinds are.
"""
