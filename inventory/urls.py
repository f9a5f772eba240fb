from django.urls import path

from inventory.views import cold_chain as excursion_views
from inventory.views import counts as count_views
from inventory.views import dispense as dispense_views
from inventory.views import imports as import_views
from inventory.views import lots as lot_views
from inventory.views import stock as views
from inventory.views import transfers as transfer_views

app_name = "inventory"

urlpatterns = [
    path("", views.InventoryListView.as_view(), name="stock_list"),
    path("sku/<int:pk>/", views.SkuDetailView.as_view(), name="sku_detail"),
    path("lots/", views.LotListView.as_view(), name="lot_list"),
    path("lots/<int:pk>/", lot_views.LotDetailView.as_view(), name="lot_detail"),
    path("lots/<int:pk>/status/", lot_views.LotStatusView.as_view(), name="lot_status"),
    path("lots/<int:pk>/recall/", lot_views.LotRecallView.as_view(), name="lot_recall"),
    path(
        "lots/write-off-expired/",
        lot_views.ExpiredWriteOffView.as_view(),
        name="expired_write_off",
    ),
    path("network/", views.NetworkView.as_view(), name="network"),
    path("dispense/", dispense_views.DispenseView.as_view(), name="dispense"),
    path("dispense/lots/", dispense_views.DispenseLotsView.as_view(), name="dispense_lots"),
    path("dispense/skus/", dispense_views.DispenseSkuOptionsView.as_view(), name="dispense_skus"),
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
    path("counts/", count_views.CycleCountListView.as_view(), name="counts"),
    path("counts/new/", count_views.CycleCountCreateView.as_view(), name="count_create"),
    path("counts/<int:pk>/", count_views.CycleCountSheetView.as_view(), name="count_sheet"),
    path("counts/<int:pk>/print/", count_views.CycleCountPrintView.as_view(), name="count_print"),
    path(
        "counts/<int:pk>/review/", count_views.CycleCountReviewView.as_view(), name="count_review"
    ),
    path(
        "counts/<int:pk>/approve/",
        count_views.CycleCountApproveView.as_view(),
        name="count_approve",
    ),
    path(
        "counts/<int:pk>/cancel/", count_views.CycleCountCancelView.as_view(), name="count_cancel"
    ),
    path("transfers/", transfer_views.TransferOrderListView.as_view(), name="transfer_orders"),
    path(
        "transfers/new/",
        transfer_views.TransferOrderCreateView.as_view(),
        name="transfer_order_create",
    ),
    path(
        "transfers/<int:pk>/",
        transfer_views.TransferOrderDetailView.as_view(),
        name="transfer_order_detail",
    ),
    path(
        "transfers/<int:pk>/pick/",
        transfer_views.TransferOrderPickView.as_view(),
        name="transfer_order_pick",
    ),
    path(
        "transfers/<int:pk>/ship/",
        transfer_views.TransferOrderShipView.as_view(),
        name="transfer_order_ship",
    ),
    path(
        "transfers/<int:pk>/receive/",
        transfer_views.TransferOrderReceiveView.as_view(),
        name="transfer_order_receive",
    ),
    path(
        "transfers/<int:pk>/cancel/",
        transfer_views.TransferOrderCancelView.as_view(),
        name="transfer_order_cancel",
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
