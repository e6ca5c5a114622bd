"""The oversight pages from outside: who gets in, what they see, closing a flag, the CSV, the
query counts (constant in the number of rows)."""

import codecs
import csv
import datetime
import io

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from sharing.audit import log_personal_data_access_many
from sharing.hub.models import OversightFlag
from sharing.hub.services_oversight import oversight_flags_raise
from tests.conftest import login_verified
from tests.factories import AdministratorFactory, MembershipFactory, OfficialFactory
from tests.hub.factories import ApprovedUseFactory, UsingAgencyFactory
from tests.hub.oversight_helpers import look_up, many, person, seoul
from tests.sharing.factories import InformationItemFactory
from tests.tracker.factories import PrivacyOfficerFactory

pytestmark = pytest.mark.django_db

WEDNESDAY = datetime.date(2026, 11, 18)
PERIOD = "?date_from=2026-11-01&date_to=2026-11-30"


@pytest.fixture(autouse=True)
def _korean():
    with translation.override("ko"):
        yield


@pytest.fixture
def agency(office):
    agency = UsingAgencyFactory(code="seoul-jongno", name_ko="서울특별시 종로구", name_en="Jongno-gu, Seoul")
    office.using_agency = agency
    office.save()
    return agency


@pytest.fixture
def kim(office):
    return MembershipFactory(office=office, user=OfficialFactory(username="kim", full_name="김공무")).user


@pytest.fixture
def flagged(office, kim, agency):
    """Kim looked up two people at 20:00 with no case reference: an off-hours and a no-case flag."""
    ApprovedUseFactory(using_agency=agency, affair_code="LOCAL-PARKING-01", affair_name_ko="거주자 우선주차 관리")
    look_up(at=seoul(2026, 11, 18, 20), official=kim, office=office, people=["a", "b"], case_ref="")
    flags = oversight_flags_raise(days=[WEDNESDAY])
    assert sorted(flag.kind for flag in flags) == ["no_case", "off_hours"]
    return {flag.kind: flag for flag in flags}


def client_for(user) -> Client:
    return login_verified(Client(), user)


PAGES = ["/hub/oversight/", "/hub/oversight/flags/", "/hub/oversight/usage/", "/hub/oversight/usage.csv"]


def test_anonymous_visitors_are_sent_to_log_in(flagged):
    for url in [*PAGES, f"/hub/oversight/flags/{flagged['no_case'].public_id}/"]:
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith("/account/login/"), url


def test_an_official_without_the_second_factor_is_asked_for_it(supervisor):
    client = Client()
    client.force_login(supervisor, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/hub/oversight/")
    assert response.status_code == 302 and response["Location"].startswith("/account/two-factor/")


def test_citizens_and_plain_officials_get_a_404(flagged, citizen, kim):
    flag_url = f"/hub/oversight/flags/{flagged['no_case'].public_id}/"
    for user in (citizen, kim):
        client = client_for(user) if user.requires_second_factor else Client()
        if not user.requires_second_factor:
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        for url in [*PAGES, flag_url]:
            assert client.get(url).status_code == 404, (user.username, url)
        assert client.post(flag_url, {"note": "x"}).status_code == 404


def test_a_supervisor_of_another_office_sees_neither_the_flags_nor_the_entries(flagged, other_office):
    outsider = MembershipFactory(office=other_office, role="supervisor").user
    client = client_for(outsider)
    flag = flagged["no_case"]
    assert client.get(f"/hub/oversight/flags/{flag.public_id}/").status_code == 404
    assert client.post(f"/hub/oversight/flags/{flag.public_id}/", {"note": "mine now"}).status_code == 404
    listing = client.get("/hub/oversight/flags/")
    assert listing.status_code == 200 and list(listing.context["flags"]) == []
    overview = client.get(f"/hub/oversight/{PERIOD}")
    assert overview.context["officials"] == [] and "김공무" not in overview.content.decode()
    flag.refresh_from_db()
    assert flag.status == "open"


def test_an_unknown_flag_is_a_404(supervisor, flagged):
    client = client_for(supervisor)
    assert client.get("/hub/oversight/flags/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client.get("/hub/oversight/flags/not-a-uuid/").status_code == 404


def test_the_supervisor_sees_look_ups_per_official_and_per_affair(flagged, supervisor, kim, office):
    look_up(at=seoul(2026, 11, 19, 10), official=kim, office=office, people=["c"], case_ref="CASE-9")
    response = client_for(supervisor).get(f"/hub/oversight/{PERIOD}")
    assert response.status_code == 200
    [row] = response.context["officials"]
    # 3 look-ups of 3 people over the 30 days of November, 2 without a case reference, 2 open flags.
    assert (row["lookups"], row["people"], row["no_case"], row["open_flags"], row["per_day"]) == (3, 3, 2, 2, 0.1)
    [affair] = response.context["affairs"]
    assert (affair["affair_code"], affair["affair_name"], affair["lookups"], affair["officials"]) == (
        "LOCAL-PARKING-01",
        "거주자 우선주차 관리",
        3,
        1,
    )
    html = response.content.decode()
    assert "김공무" in html and "거주자 우선주차 관리" in html
    assert {"private", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}


def test_the_privacy_officer_sees_the_flags_of_the_office(flagged, office):
    officer = PrivacyOfficerFactory(office=office).user
    response = client_for(officer).get("/hub/oversight/flags/")
    assert response.status_code == 200
    assert {flag.kind for flag in response.context["flags"]} == {"no_case", "off_hours"}


def test_the_flag_page_shows_hashes_only_and_closing_keeps_who_and_when(flagged, supervisor):
    flag = flagged["off_hours"]
    client = client_for(supervisor)
    page = client.get(f"/hub/oversight/flags/{flag.public_id}/")
    html = page.content.decode()
    assert page.status_code == 200 and page.context["total"] == 2
    assert person("a")[:12] in html and person("a") not in html  # shortened, never whole
    assert "900101" not in html  # no RRN-like number (the log holds none)
    # An empty note: a message and a 400, the flag stays open.
    refused = client.post(f"/hub/oversight/flags/{flag.public_id}/", {"note": "  "})
    assert refused.status_code == 400 and "확인하고 조치한 내용" in refused.content.decode()
    done = client.post(f"/hub/oversight/flags/{flag.public_id}/", {"note": "야간 당직 중 민원 처리 확인"})
    assert done.status_code == 302 and done["Location"] == "/hub/oversight/flags/"
    flag.refresh_from_db()
    assert (flag.status, flag.closed_by, flag.note) == ("closed", supervisor, "야간 당직 중 민원 처리 확인")
    again = client.post(f"/hub/oversight/flags/{flag.public_id}/", {"note": "again"})
    assert again.status_code == 400
    shown = client.get(f"/hub/oversight/flags/{flag.public_id}/").content.decode()
    assert "야간 당직 중 민원 처리 확인" in shown and supervisor.display_name in shown


def test_open_flags_come_first_and_filters_apply(flagged, supervisor):
    client = client_for(supervisor)
    client.post(f"/hub/oversight/flags/{flagged['no_case'].public_id}/", {"note": "ok"})
    listing = client.get("/hub/oversight/flags/")
    assert [flag.status for flag in listing.context["flags"]] == ["open", "closed"]
    only_open = client.get("/hub/oversight/flags/?status=open")
    assert [flag.kind for flag in only_open.context["flags"]] == ["off_hours"]
    by_kind = client.get("/hub/oversight/flags/?kind=no_case")
    assert [flag.kind for flag in by_kind.context["flags"]] == ["no_case"]


def test_bad_filters_and_periods_are_a_400_with_a_message(flagged, supervisor):
    client = client_for(supervisor)
    assert client.get("/hub/oversight/flags/?kind=nonsense").status_code == 400
    assert client.get("/hub/oversight/flags/?office=abc").status_code == 400
    response = client.get("/hub/oversight/?date_from=2026-11-30&date_to=2026-11-01")
    assert response.status_code == 400 and "기간의 종료일" in response.content.decode()
    assert client.get("/hub/oversight/?date_from=2020-01-01&date_to=2026-01-01").status_code == 400
    assert client.get("/hub/oversight/usage/?month_from=2026-13").status_code == 400
    assert client.get("/hub/oversight/usage.csv?month_from=garbage").status_code == 400


def test_the_pages_take_a_fixed_number_of_queries(flagged, supervisor, office):
    client = client_for(supervisor)
    flag_url = f"/hub/oversight/flags/{flagged['off_hours'].public_id}/"
    urls = [f"/hub/oversight/{PERIOD}", "/hub/oversight/flags/", flag_url, "/hub/oversight/usage/?month_from=2026-11"]

    def counts():
        result = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            result.append(len(queries))
        return result

    few = counts()
    for index in range(5):
        official = MembershipFactory(office=office, user=OfficialFactory(username=f"more{index}")).user
        look_up(at=seoul(2026, 11, 18, 21), official=official, office=office, people=many(3, f"m{index}"), case_ref="")
    oversight_flags_raise(days=[WEDNESDAY])
    assert OversightFlag.objects.count() == 12
    assert counts() == few


# --- Usage by month and its CSV --------------------------------------------------------------


@pytest.fixture
def usage(office, other_office, kim, agency):
    """By hand: November 2026, Jongno (local): 2 look-ups (LOCAL-PARKING-01, resident_abstract)
    and 1 fetch (one record about 3 people: 3 uses) under the same affair; December 2026: 1
    look-up. Gangnam's office belongs to the National Pension Service (public): 1 fetch."""
    InformationItemFactory(code="resident_abstract", name_ko="주민등록표 초본", name_en="Resident abstract")
    ApprovedUseFactory(using_agency=agency, affair_code="LOCAL-PARKING-01", affair_name_ko="거주자 우선주차 관리")
    pension = UsingAgencyFactory(code="nps", name_ko="=국민연금공단", name_en="National Pension Service", kind="public")
    other_office.using_agency = pension
    other_office.save()
    look_up(at=seoul(2026, 11, 18, 10), official=kim, office=office, people=["a", "b"])
    look_up(at=seoul(2026, 12, 1, 10), official=kim, office=office, people=["c"])
    for where, people in ((office, ["d", "e", "f"]), (other_office, ["g"])):
        with time_machine.travel(seoul(2026, 11, 20, 10), tick=False):
            log_personal_data_access_many(
                action="fetched",
                subject_hashes=[person(p) for p in people],
                case_ref="2026-0000001",
                office=where,
                actor=None,
                item_code="resident_abstract",
                fields=["name"],
                purpose="P-PARKING",
                affair_code="LOCAL-PARKING-01",
                legal_basis="주차장법 제10조",
            )


def test_usage_by_month_for_an_administrator_covers_every_using_agency(usage):
    client = client_for(AdministratorFactory(username="root"))
    response = client.get("/hub/oversight/usage/?month_from=2026-11&month_to=2026-12")
    assert response.status_code == 200
    rows = [
        (row["month"], row["agency_code"], row["item_code"], row["affair_code"], row["fetched"], row["looked_up"])
        for row in response.context["rows"]
    ]
    assert rows == [
        ("2026-11", "nps", "resident_abstract", "LOCAL-PARKING-01", 1, 0),
        ("2026-11", "seoul-jongno", "resident_abstract", "LOCAL-PARKING-01", 3, 2),
        ("2026-12", "seoul-jongno", "resident_abstract", "LOCAL-PARKING-01", 0, 1),
    ]
    assert response.context["months"] == [
        {"month": "2026-11", "fetched": 4, "looked_up": 2},
        {"month": "2026-12", "fetched": 0, "looked_up": 1},
    ]
    html = response.content.decode()
    assert html.count("<svg") == 2 and "style=" not in html


def test_usage_for_a_supervisor_covers_their_own_using_agency_only(usage, supervisor):
    response = client_for(supervisor).get("/hub/oversight/usage/?month_from=2026-11&month_to=2026-12")
    assert {row["agency_code"] for row in response.context["rows"]} == {"seoul-jongno"}


def test_the_csv_is_utf8_with_a_bom_and_the_figures_of_the_page(usage):
    client = client_for(AdministratorFactory(username="root"))
    response = client.get("/hub/oversight/usage.csv?month_from=2026-11&month_to=2026-12")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="hub-usage-2026-11-2026-12.csv"'
    body = b"".join(response.streaming_content)
    assert body.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == [
        "월", "이용기관 코드", "이용기관", "기관 유형", "항목 코드", "항목", "사무 코드", "사무", "조회", "열람", "합계"
    ]  # fmt: skip
    assert rows[1:] == [
        # A name starting with "=" is not left to run as a formula in a spreadsheet.
        ["2026-11", "nps", "'=국민연금공단", "공공기관", "resident_abstract", "주민등록표 초본", "LOCAL-PARKING-01",
         "거주자 우선주차 관리", "1", "0", "1"],
        ["2026-11", "seoul-jongno", "서울특별시 종로구", "지방자치단체", "resident_abstract", "주민등록표 초본",
         "LOCAL-PARKING-01", "거주자 우선주차 관리", "3", "2", "5"],
        ["2026-12", "seoul-jongno", "서울특별시 종로구", "지방자치단체", "resident_abstract", "주민등록표 초본",
         "LOCAL-PARKING-01", "거주자 우선주차 관리", "0", "1", "1"],
    ]  # fmt: skip


def test_supervisors_and_privacy_officers_find_the_oversight_pages(supervisor, office, kim):
    assert 'href="/hub/oversight/"' in client_for(supervisor).get("/officer/").content.decode()
    officer = PrivacyOfficerFactory(office=office).user
    assert 'href="/hub/oversight/"' in client_for(officer).get("/officer/privacy/").content.decode()
    assert 'href="/hub/oversight/"' not in client_for(kim).get("/officer/").content.decode()


def test_the_pages_speak_english_too(flagged, supervisor):
    client = client_for(supervisor)
    client.post("/i18n/setlang/", {"language": "en", "next": "/hub/oversight/"})
    overview = client.get(f"/hub/oversight/{PERIOD}").content.decode()
    assert "Oversight of look-ups" in overview and "Jongno-gu Office" in overview
    assert "Resident priority parking" in overview  # the affair's English name
    flag = client.get(f"/hub/oversight/flags/{flagged['off_hours'].public_id}/").content.decode()
    assert "김공무: 2 look-ups outside working hours under LOCAL-PARKING-01." in flag
