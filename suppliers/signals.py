"""Signals other apps listen to (they may depend on suppliers; it may not depend on them)."""

from django.dispatch import Signal

# Sent after goods received against a purchase-order line are committed; kwargs: receipt.
goods_received = Signal()
