"""Forecast API under /api/v1/forecast/."""

from datetime import timedelta

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import Capability
from forecasting import selectors
from forecasting.models import SeriesForecast
from forecasting.services import current_run
from inventory.models import Sku


class DemandQuerySerializer(serializers.Serializer):
    site = serializers.IntegerField(
        required=False, min_value=1, help_text="Site id (all sites if absent)."
    )
    horizon = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=365,
        help_text="Days to return (the run's horizon at most).",
    )
    intervals = serializers.BooleanField(required=False, default=True)


class ForecastDemandView(APIView):
    """The current published daily demand forecast of one SKU, per site, from the run's as-of
    date: `forecast` with the planners' overrides applied (what plans use), `statistical`
    without them, the 80 % and 95 % prediction intervals of the statistical forecast, the
    method chosen and its backtest accuracy."""

    required_capability = Capability.VIEW_OPERATIONS

    @extend_schema(parameters=[DemandQuerySerializer], responses={200: dict})
    def get(self, request: Request, sku_id: int) -> Response:
        query = DemandQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        sku = Sku.objects.filter(pk=sku_id).first()
        if sku is None:
            raise NotFound("No such SKU.")
        run = current_run()
        if run is None:
            raise NotFound("No forecast has been published yet.")
        series = selectors.run_series(run, sku.pk)
        if "site" in query.validated_data:
            series = series.filter(site_id=query.validated_data["site"])
        horizon = query.validated_data.get("horizon", run.parameters["horizon"])
        with_intervals = query.validated_data["intervals"]
        dates = [(run.as_of + timedelta(days=day)).isoformat() for day in range(horizon)]
        series = list(series)
        effective = selectors.effective_forecasts(run, [(sku.pk, row.site_id) for row in series])
        return Response(
            {
                "sku": sku.pk,
                "sku_code": sku.code,
                "run": {
                    "id": run.pk,
                    "as_of": run.as_of.isoformat(),
                    "engine_version": run.engine_version,
                },
                "series": [
                    _series(row, effective[sku.pk, row.site_id], dates, horizon, with_intervals)
                    for row in series
                ],
            }
        )


def _series(
    row: SeriesForecast,
    effective: list[float],
    dates: list[str],
    horizon: int,
    with_intervals: bool,
) -> dict:
    data = {
        "site": row.site_id,
        "site_code": row.site.code,
        "method": row.method,
        "pattern": row.pattern,
        "mase": row.mase,
        "wape": row.wape,
        "bias": row.bias,
        "error_std": row.error_std,
        "dates": dates[: len(row.values[:horizon])],
        "forecast": [round(value, 3) for value in effective[:horizon]],
        "statistical": row.values[:horizon],
    }
    if with_intervals:
        data.update(
            lower_80=row.lower_80[:horizon],
            upper_80=row.upper_80[:horizon],
            lower_95=row.lower_95[:horizon],
            upper_95=row.upper_95[:horizon],
        )
    return data
