import uuid

from django.urls import reverse

from sharing.submissions import services


def submit(client, document, recipient, *, purpose="대출 신청", days=30, token=None, confirm=True, message=""):
    data = {
        "recipient": recipient.pk,
        "purpose": purpose,
        "message": message,
        "expires_in_days": days,
        "token": token or uuid.uuid4().hex,
    }
    if confirm:
        data["confirm"] = "1"
    return client.post(reverse("submissions:submit", args=[document.public_id]), data)


def make_submission(*, document, recipient, purpose="대출 신청", days=30, now=None):
    return services.submission_create(
        owner=document.owner,
        document=document,
        recipient=recipient,
        purpose=purpose,
        expires_in_days=days,
        idempotency_key=uuid.uuid4().hex,
        now=now,
    )
