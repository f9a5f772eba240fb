import pytest

from common.locks import advisory_lock_key, advisory_xact_lock


def test_a_lock_name_always_gives_the_same_signed_64_bit_key() -> None:
    key = advisory_lock_key("forecasting.forecast_run_create")

    assert key == advisory_lock_key("forecasting.forecast_run_create")
    assert key != advisory_lock_key("optimization.plan_run")
    assert -(2**63) <= key < 2**63


@pytest.mark.django_db(transaction=True)
def test_taking_a_transaction_lock_outside_a_transaction_is_a_programming_error() -> None:
    with pytest.raises(RuntimeError, match="needs a transaction"):
        advisory_xact_lock("x")


@pytest.mark.django_db(transaction=True)
def test_the_lock_is_taken_inside_a_transaction() -> None:
    from django.db import transaction

    with transaction.atomic():
        advisory_xact_lock("x")  # returns once held (at once: nobody else holds it)
