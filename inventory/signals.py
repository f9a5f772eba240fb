"""Events of the inventory app that apps further right (alerts) react to.

inventory may not import alerts (the app layers in ARCHITECTURE.md), so the cold-chain
service announces excursions with these signals and alerts connects its receivers in its
AppConfig.ready(). They are sent inside the service's transaction, so the alert is written and
committed together with the excursion (no window in which one exists without the other, and
a refused batch leaves neither); receivers must therefore only write to the database and
leave slow work (e-mail) to transaction.on_commit.

Arguments (keyword): `excursion` (inventory.models.Excursion, with its unit and site loaded)
and `lots` (the lots it quarantined, a list of inventory.models.ExcursionLot with their lot and
SKU loaded; empty for `temperature_excursion_ended`).
"""

from django.dispatch import Signal

temperature_excursion_started = Signal()
temperature_excursion_ended = Signal()
temperature_excursion_updated = Signal()  # an open excursion reached a new min or max
