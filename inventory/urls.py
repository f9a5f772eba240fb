from django.urls import path

from . import views

app_name = "inventory"

urlpatterns = [
    path("", views.InventoryListView.as_view(), name="stock_list"),
    path("sku/<int:pk>/", views.SkuDetailView.as_view(), name="sku_detail"),
    path("lots/", views.LotListView.as_view(), name="lot_list"),
    path("network/", views.NetworkView.as_view(), name="network"),
]
