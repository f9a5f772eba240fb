"""Signals other apps listen to (they may depend on optimization; it may not depend on them)."""

from django.dispatch import Signal

# Sent after a plan run has been published and committed; kwargs: run (PlanRun).
plan_published = Signal()
