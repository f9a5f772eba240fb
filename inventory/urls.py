from django.urls import path

from inventory.views import cold_chain as excursion_views
from inventory.views import imports as import_views
from inventory.views import stock as views

app_name = "inventory"

urlpatterns = [
    path("", views.InventoryListView.as_view(), name="stock_list"),
    path("sku/<int:pk>/", views.SkuDetailView.as_view(), name="sku_detail"),
    path("lots/", views.LotListView.as_view(), name="lot_list"),
    path("network/", views.NetworkView.as_view(), name="network"),
    path("excursions/", excursion_views.ExcursionListView.as_view(), name="excursions"),
    path(
        "excursions/<int:pk>/",
        excursion_views.ExcursionDetailView.as_view(),
        name="excursion_detail",
    ),
    path(
        "excursions/<int:pk>/lots/<int:lot_id>/decide/",
        excursion_views.ExcursionLotDecideView.as_view(),
        name="excursion_lot_decide",
    ),
    path("imports/", import_views.ImportListView.as_view(), name="imports"),
    path("imports/<int:pk>/", import_views.ImportDetailView.as_view(), name="import_detail"),
    path("imports/<int:pk>/commit/", import_views.ImportCommitView.as_view(), name="import_commit"),
    path("imports/<int:pk>/file/", import_views.ImportFileView.as_view(), name="import_file"),
    path(
        "imports/template/<slug:kind>/",
        import_views.ImportTemplateView.as_view(),
        name="import_template",
    ),
]
