"""The kinds of notification and their labels, registered by the layers that send them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

F = TypeVar("F", bound=Callable)
_labels: dict[str, StrOrPromise] = {}


def register_kind(code: str, label: StrOrPromise) -> None:
    if code in _labels and str(_labels[code]) != str(label):
        raise ValueError(f"The notification kind {code!r} is already registered with another label.")
    _labels[code] = label


def notification_kind(code: str, label: StrOrPromise) -> Callable[[F], F]:
    """Decorates the function that sends a kind: registers its label (shown on the petition's page)."""

    def decorator(function: F) -> F:
        register_kind(code, label)
        return function

    return decorator


def kind_label(code: str) -> StrOrPromise:
    return _labels.get(code, code)
