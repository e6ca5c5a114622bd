"""The one way pages write dates: ``{{ value|local_date }}`` (2026-12-06) and
``{{ value|local_datetime }}`` (2026-12-06 09:05), zero-padded, in the site's time zone, the same
in every language. Templates never pass their own format to Django's ``date`` filter (a test
checks), so a date reads the same on every page, e-mail and document."""

from __future__ import annotations

from django import template
from django.template.defaultfilters import date as date_filter

register = template.Library()

DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
DATETIME_SECONDS_FORMAT = "Y-m-d H:i:s"


@register.filter(expects_localtime=True, is_safe=False)
def local_date(value):
    return date_filter(value, DATE_FORMAT)


@register.filter(expects_localtime=True, is_safe=False)
def local_datetime(value):
    return date_filter(value, DATETIME_FORMAT)


@register.filter(expects_localtime=True, is_safe=False)
def local_datetime_seconds(value):
    return date_filter(value, DATETIME_SECONDS_FORMAT)
