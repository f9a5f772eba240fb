"""Published forecasts: a succeeded run made current, holding a series per SKU and site."""


def published_series(sku, site, values, *, as_of, run=None):  # type: ignore[no-untyped-def]
    """A succeeded forecast run (or `run`) made current, holding `values` for sku at site."""
    from forecasting.models import ForecastPublication, ForecastRun, SeriesForecast

    if run is None:
        run = ForecastRun.objects.create(
            as_of=as_of,
            engine_version="test",
            status="succeeded",
            parameters={"horizon": len(values)},
        )
        ForecastPublication.objects.update_or_create(name="current", defaults={"run": run})
    flat = [float(value) for value in values]
    SeriesForecast.objects.create(
        run=run,
        sku=sku,
        site=site,
        pattern="smooth",
        method="ses",
        values=flat,
        lower_80=[value * 0.8 for value in flat],
        upper_80=[value * 1.2 for value in flat],
        lower_95=[value * 0.6 for value in flat],
        upper_95=[value * 1.4 for value in flat],
        mase=0.8,
        wape=0.3,
        bias=0.0,
        error_std=2.0,
        candidates={"ses": 0.8, "seasonal_naive": 1.0},
    )
    return run
