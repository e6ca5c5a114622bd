import threading

import pytest
from django.db import connection, connections, transaction

from petitions.services import receipt_number_next

pytestmark = pytest.mark.django_db


def test_receipt_number_format_and_year_reset():
    with transaction.atomic():
        assert receipt_number_next(year=2026) == "2026-0000001"
        assert receipt_number_next(year=2026) == "2026-0000002"
        assert receipt_number_next(year=2027) == "2027-0000001"


@pytest.mark.django_db(transaction=True)
def test_receipt_numbers_need_the_submitting_transaction():
    with pytest.raises(RuntimeError):
        receipt_number_next(year=2026)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_concurrent_submissions_get_gap_free_numbers():
    numbers: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def take(fail: bool):
        try:
            start.wait(timeout=10)
            try:
                with transaction.atomic():
                    number = receipt_number_next(year=2026)
                    if fail:
                        raise ValueError("rolled back")
                    numbers.append(number)
            except ValueError:
                pass
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take, args=(i % 4 == 0,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    # Two of the eight rolled back: their numbers went back, and the six others have no gap.
    assert sorted(numbers) == [f"2026-{n:07d}" for n in range(1, 7)]
