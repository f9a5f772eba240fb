"""The world simulator: the demo world advanced one day at a time through the product's own
services, as suppliers, the warehouse, quality, patients, the night and the planners would.

    parameters.py  every knob, with its default (pure)
    world.py       the hidden demand process and supplier behaviour (pure numpy, seeded)
    actors.py      the simulation's users (made through accounts and suppliers services)
    day.py         one day's steps, each calling services at its hour of the simulated clock
    runs.py        a run from first to last day, its progress recorded after each day
    ledger.py      the ledger checksum that shows a run is reproducible

The package never writes a table itself (tests/integration/test_simulation.py scans it)."""
