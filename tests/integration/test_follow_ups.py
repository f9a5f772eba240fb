"""Follow-up tasks asked for by services run after commit, once per transaction and
arguments however often they are asked for."""

from datetime import date
from unittest import mock

import pytest
from django.db import transaction

from common.runs import follow_up_after_commit, follow_ups_collected
from inventory.models import LotStatus
from inventory.services.stock import lot_set_status
from tests.factories import LotFactory, SiteFactory, SkuFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_same_follow_up_asked_twice_in_a_transaction_is_queued_once() -> None:
    with mock.patch("common.runs._queue_logging_failure") as queue, transaction.atomic():
        follow_up_after_commit("alerts.tasks.evaluate_alerts_after", "stock_counted")
        follow_up_after_commit("alerts.tasks.evaluate_alerts_after", "stock_counted")
        follow_up_after_commit("alerts.tasks.evaluate_alerts_after", "stock_dispensed")
        assert queue.call_count == 0

    assert [c.args for c in queue.call_args_list] == [
        ("alerts.tasks.evaluate_alerts_after", ("stock_counted",)),
        ("alerts.tasks.evaluate_alerts_after", ("stock_dispensed",)),
    ]


def test_a_follow_up_of_a_rolled_back_transaction_does_not_hide_the_next_one() -> None:
    with mock.patch("common.runs._queue_logging_failure") as queue:
        with pytest.raises(RuntimeError), transaction.atomic():
            follow_up_after_commit("alerts.tasks.evaluate_alerts_after", "stock_counted")
            raise RuntimeError("refused")
        with transaction.atomic():
            follow_up_after_commit("alerts.tasks.evaluate_alerts_after", "stock_counted")

    assert queue.call_count == 1


def test_a_lot_whose_status_changes_has_the_stock_alerts_evaluated_again() -> None:
    lot = LotFactory(
        sku=SkuFactory(),
        site=SiteFactory(),
        expiry_date=date(2030, 1, 1),
        status=LotStatus.QUARANTINE,
        quantity=10,
    )

    with mock.patch("common.runs._queue_logging_failure") as queue:
        lot_set_status(actor=None, lot=lot, status=LotStatus.RELEASED, reason="CoA checked")

    queue.assert_called_once_with("alerts.tasks.evaluate_alerts_after", ("lot_status_changed",))


def test_follow_ups_collected_over_many_transactions_are_queued_once_when_the_block_ends() -> None:
    with mock.patch("common.runs._queue_logging_failure") as queue, follow_ups_collected():
        for event in ("goods_received", "lot_status_changed", "goods_received"):
            with transaction.atomic():
                follow_up_after_commit("alerts.tasks.evaluate_alerts_after", event)
        assert queue.call_count == 0

    assert [c.args for c in queue.call_args_list] == [
        ("alerts.tasks.evaluate_alerts_after", ("goods_received",)),
        ("alerts.tasks.evaluate_alerts_after", ("lot_status_changed",)),
    ]


def test_a_rolled_back_call_in_a_collecting_block_asks_for_no_follow_up() -> None:
    with (
        mock.patch("common.runs._queue_logging_failure") as queue,
        follow_ups_collected(),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        follow_up_after_commit("alerts.tasks.evaluate_alerts_after", "goods_received")
        raise RuntimeError("refused")

    assert queue.call_count == 0


def test_collected_follow_ups_of_committed_work_run_when_the_block_ends_on_an_error() -> None:
    with (
        mock.patch("common.runs._queue_logging_failure") as queue,
        pytest.raises(RuntimeError),
        follow_ups_collected(),
    ):
        follow_up_after_commit("alerts.tasks.evaluate_alerts_after", "stock_transferred")
        raise RuntimeError("the next call failed")

    queue.assert_called_once_with("alerts.tasks.evaluate_alerts_after", ("stock_transferred",))


def test_a_nested_collecting_block_leaves_its_follow_ups_to_the_outer_one() -> None:
    with mock.patch("common.runs._queue_logging_failure") as queue, follow_ups_collected():
        with follow_ups_collected():
            follow_up_after_commit("alerts.tasks.evaluate_alerts_after", "stock_counted")
        assert queue.call_count == 0
        follow_up_after_commit("alerts.tasks.evaluate_alerts_after", "stock_counted")

    queue.assert_called_once_with("alerts.tasks.evaluate_alerts_after", ("stock_counted",))
