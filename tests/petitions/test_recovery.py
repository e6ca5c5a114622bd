"""A petition left collecting after its last fetch settled (the worker died before moving it on)
goes on to review with beat's sweep; one still waiting for a fetch stays."""

import datetime

import pytest
from django.utils import timezone

from petitions.models import Petition
from petitions.tasks import petitions_resume_collecting
from sharing.models import FetchRequest
from tests.petitions.helpers import file_building_use_change

pytestmark = pytest.mark.django_db
S = Petition.Status


def test_the_sweep_moves_on_only_quiet_petitions_with_nothing_pending(demo_types, linked_citizen, settings):
    settings.FETCH_STALLED_AFTER_SECONDS = 120
    petition = file_building_use_change(linked_citizen)
    assert petition.status == S.COLLECTING
    fetches = FetchRequest.objects.filter(case_ref=petition.receipt_no)
    assert fetches.exists()
    long_ago = timezone.now() - datetime.timedelta(minutes=5)

    # Still fetching: stays.
    Petition.objects.filter(pk=petition.pk).update(updated_at=long_ago)
    assert petitions_resume_collecting.apply().get() == 0
    # Every fetch settled, but only just: stays (the announcement may be on its way).
    fetches.update(state=FetchRequest.State.FETCHED, fetched_at=timezone.now())
    Petition.objects.filter(pk=petition.pk).update(updated_at=timezone.now())
    assert petitions_resume_collecting.apply().get() == 0
    # Settled and quiet for longer than the period: moves on, once.
    Petition.objects.filter(pk=petition.pk).update(updated_at=long_ago)
    assert petitions_resume_collecting.apply().get() == 1
    petition.refresh_from_db()
    assert petition.status == S.UNDER_REVIEW
    assert petitions_resume_collecting.apply().get() == 0
