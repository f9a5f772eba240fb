"""Which tables make up a world: the generator's and every table whose rows refer to them,
read from the model graph (demo.services.world_clear empties them)."""

from typing import Any

from django.apps import apps
from django.db import models

from demo.generator import demo_models


def _refers(model: type[models.Model], targets: set[type[models.Model]]) -> set[Any]:
    related = {
        f.related_model for f in model._meta.concrete_fields if f.many_to_one or f.one_to_one
    }
    related |= {f.related_model for f in model._meta.many_to_many}
    return related & targets


def world_models() -> list[type[models.Model]]:
    """The world's tables: the generator's (demo.generator.demo_models) and every model whose
    rows refer to them, directly or through another such model (forecasts, policies, plans and
    suggestions, transfer orders, notices, alerts, storage units, supplier users...). Read from
    the model graph, so a new table that refers to the world is cleared without being listed
    here. Children first where the graph allows (the foreign keys are checked at commit)."""
    world = set(demo_models())
    grown = True
    while grown:
        grown = False
        for model in apps.get_models():
            if model not in world and _refers(model, world):
                world.add(model)
                grown = True
    ordered: list[type[models.Model]] = []
    remaining = sorted(world, key=lambda model: model._meta.label)
    while remaining:
        free = [m for m in remaining if not any(m in _refers(o, {m}) for o in remaining if o != m)]
        ordered += free or remaining  # a cycle (order line <-> suggestion): all at once
        remaining = [m for m in remaining if m not in ordered]
    return ordered
