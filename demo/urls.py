"""The business case's page, mounted by config.urls under /business-case/."""

from django.urls import path

from demo import views

app_name = "demo"
urlpatterns = [
    path("", views.BusinessCaseView.as_view(), name="business_case"),
]
