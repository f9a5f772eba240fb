"""Signals other apps listen to (they may depend on forecasting; it may not depend on them)."""

from django.dispatch import Signal

# Sent after a forecast run has been published and committed; kwargs: run (ForecastRun).
forecast_published = Signal()
