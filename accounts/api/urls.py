from django.urls import path
from rest_framework.routers import SimpleRouter

from accounts.api import views as api

router = SimpleRouter()
router.register("users", api.UserViewSet, basename="user")

urlpatterns = [path("me/", api.MeView.as_view(), name="me"), *router.urls]
