from __future__ import annotations

from petitions.errors import PetitionError


class PaymentError(PetitionError):
    """A rule of fee payment refused the request (answered 4xx with ``message``)."""

    status = 400


class PaymentNotFound(PaymentError):
    status = 404


class PaymentMismatch(PaymentError):
    """What the provider or the browser says does not match the portal's order (amount, key)."""

    status = 400


class PaymentConflict(PaymentError):
    """The payment is in a state where this cannot happen any more."""

    status = 409
