"""Filters for document templates, whose context is JSON (dates arrive as ISO strings)."""

from __future__ import annotations

import datetime

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

register = template.Library()


@register.filter
def as_date(value):
    """An ISO date (or datetime) string as a date; other values unchanged."""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, datetime.date) or not isinstance(value, str):
        return value
    parsed = parse_datetime(value)
    if parsed is not None:
        return as_date(parsed)
    return parse_date(value) or value


@register.filter
def as_datetime(value):
    """An ISO datetime string as an aware datetime in the site's time zone."""
    if isinstance(value, str):
        value = parse_datetime(value) or value
    if isinstance(value, datetime.datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return timezone.localtime(value)
    return value


@register.filter
def won(value):
    """An amount in Korean won with thousands separators."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return value
