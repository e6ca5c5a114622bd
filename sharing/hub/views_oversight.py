"""/hub/oversight/: officials' look-ups per official and per affair, the flags a reviewer acts on,
and the usage of shared information by month (with its CSV).

Behind the second factor (portal.middleware: /hub/). Who sees what: selectors_oversight's
docstring. Anyone else gets a 404, whether the page or the flag exists or not.

The pages show the access log's keyed hash of a person (shortened), never a name or a number
that identifies them: reading them is not an access to the person's data, so it is not written
to the access log (it would fill every person's "who viewed my information" page with the
reviewers of the officials). Closing a flag keeps who and when on the flag.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import asdict

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from sharing.tracker import charts

from . import oversight, usage
from .errors import UseError
from .forms_oversight import FlagCloseForm, FlagFilterForm, MonthsForm, PeriodForm
from .models import OversightFlag
from .selectors_oversight import (
    FlagFilters,
    flag_entries,
    flag_for,
    flags,
    offices,
    open_flag_counts,
    oversight_office_ids,
    per_affair,
    per_official,
    usage_using_agency_ids,
)
from .services_oversight import oversight_flag_close

FLAGS_PER_PAGE = 25


def _private(response):
    response["Cache-Control"] = "private, no-store"
    return response


def _overseen(request) -> set[int]:
    office_ids = oversight_office_ids(request.user)
    if not office_ids:
        raise Http404
    return office_ids


def _thresholds_context() -> dict:
    return {"thresholds": asdict(oversight.Thresholds.from_settings())}


@require_GET
@never_cache
def overview(request):
    office_ids = _overseen(request)
    form = PeriodForm(request.GET if request.GET else None)
    status = 400 if form.is_bound and not form.is_valid() else 200
    period = form.period()
    officials = per_official(office_ids=office_ids, period=period)
    affairs = per_affair(office_ids=office_ids, period=period)
    counts = open_flag_counts(office_ids)
    context = {
        "form": form,
        "period": period,
        "officials": officials,
        "affairs": affairs,
        "open_counts": [
            {"kind": value, "label": label, "count": counts.get(value, 0)}
            for value, label in OversightFlag.Kind.choices
        ],
        "open_total": sum(counts.values()),
        "offices": offices(office_ids),
        **_thresholds_context(),
    }
    return _private(render(request, "hub/oversight/overview.html", context, status=status))


@require_GET
@never_cache
def flag_list(request):
    office_ids = _overseen(request)
    office_list = offices(office_ids)
    form = FlagFilterForm(request.GET if request.GET else None, offices=office_list)
    status = 400 if form.is_bound and not form.is_valid() else 200
    values = form.values()
    paginator = Paginator(flags(FlagFilters(office_ids=office_ids, **values)), FLAGS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "flags": page.object_list,
        "page_query": query.urlencode(),
        **_thresholds_context(),
    }
    return _private(render(request, "hub/oversight/flags.html", context, status=status))


@require_http_methods(["GET", "POST"])
@never_cache
def flag_detail(request, public_id):
    _overseen(request)
    flag = flag_for(user=request.user, public_id=public_id)
    form = FlagCloseForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                oversight_flag_close(flag=flag, actor=request.user, note=form.cleaned_data["note"])
            except UseError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The flag is closed. Your note is kept with it."))
                return redirect("hub:oversight_flags")
        status = 400
    context = {"flag": flag, "form": form, **flag_entries(flag), **_thresholds_context()}
    return _private(render(request, "hub/oversight/flag.html", context, status=status))


def _usage_scope(request) -> set[int] | None:
    user = request.user
    if not user.is_authenticated:
        raise Http404
    using_agency_ids = usage_using_agency_ids(user)
    if using_agency_ids is not None and not oversight_office_ids(user):
        raise Http404
    return using_agency_ids


@require_GET
@never_cache
def usage_page(request):
    using_agency_ids = _usage_scope(request)
    form = MonthsForm(request.GET if request.GET else None)
    status = 400 if form.is_bound and not form.is_valid() else 200
    first, last = form.months()
    rows = usage.by_month(using_agency_ids=using_agency_ids, first=first, last=last)
    months = usage.months_of(rows)
    agencies = usage.agencies_of(rows)
    context = {
        "form": form,
        "first_month": f"{first:%Y-%m}",
        "last_month": f"{last:%Y-%m}",
        "rows": rows,
        "months": months,
        "agencies": agencies,
        "totals": {
            "fetched": sum(row["fetched"] for row in rows),
            "looked_up": sum(row["looked_up"] for row in rows),
        },
        "csv_query": request.GET.urlencode(),
        "month_chart": charts.column_chart(
            chart_id="chart-usage-months",
            title=_("Fetches and look-ups, by month"),
            description=_("Bars per month; the same figures are in the table below."),
            labels=[row["month"] for row in months],
            series=[
                (_("Fetches"), "tracker-series-a", [row["fetched"] for row in months]),
                (_("Look-ups"), "tracker-series-b", [row["looked_up"] for row in months]),
            ],
        ),
        "agency_chart": charts.bar_chart(
            chart_id="chart-usage-agencies",
            title=_("Uses by using agency"),
            description=_("One bar per using agency; the same figures are in the table below."),
            rows=[(row["name"], row["total"]) for row in agencies[:15]],
            css="tracker-series-c",
        ),
    }
    return _private(render(request, "hub/oversight/usage.html", context, status=status))


class _Echo:
    """A file-like object whose write returns the line, for csv.writer in a streaming response."""

    def write(self, value: str) -> str:
        return value


@require_GET
@never_cache
def usage_csv(request):
    using_agency_ids = _usage_scope(request)
    form = MonthsForm(request.GET if request.GET else None)
    if form.is_bound and not form.is_valid():
        # The page, with the form's messages (status 400): the file has no place for them.
        return usage_page(request)
    first, last = form.months()
    rows = usage.by_month(using_agency_ids=using_agency_ids, first=first, last=last)
    header = [
        _("Month"),
        _("Using agency code"),
        _("Using agency"),
        _("Kind of agency"),
        _("Item code"),
        _("Item"),
        _("Affair code"),
        _("Affair"),
        _("Fetches"),
        _("Look-ups"),
        _("Total"),
    ]
    keys = [
        "month",
        "agency_code",
        "agency_name",
        "agency_kind",
        "item_code",
        "item_name",
        "affair_code",
        "affair_name",
        "fetched",
        "looked_up",
        "total",
    ]

    def lines() -> Iterator[str]:
        writer = csv.writer(_Echo())
        # UTF-8 with a byte-order mark: spreadsheet programs then read the Korean names right.
        yield "\ufeff" + writer.writerow(header)
        for row in rows:
            yield writer.writerow([_cell(row[key]) for key in keys])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="hub-usage-{first:%Y-%m}-{last:%Y-%m}.csv"'
    return _private(response)


def _cell(value):
    """A cell a spreadsheet will not run as a formula (names come from the agencies' applications)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
