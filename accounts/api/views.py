from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.api.serializers import UserOutputSerializer, UserUpdateInputSerializer
from accounts.roles import Capability, Role


class MeView(APIView):
    """The signed-in user (or the owner of the API token) and their roles."""

    required_capability = Capability.ANY_ROLE

    @extend_schema(responses=UserOutputSerializer)
    def get(self, request: Request) -> Response:
        return Response(UserOutputSerializer(request.user).data)


class UserViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Users and their roles, for identity-management integration. Admins only."""

    required_capability = Capability.MANAGE_USERS
    serializer_class = UserOutputSerializer
    filterset_fields = ["is_active"]
    search_fields = ["username", "full_name", "email"]
    ordering_fields = ["username", "full_name", "date_joined"]
    http_method_names = ["get", "patch", "put", "head", "options"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.user_list()

    @extend_schema(request=UserUpdateInputSerializer, responses=UserOutputSerializer)
    def update(self, request: Request, *args: object, **kwargs: object) -> Response:
        user = self.get_object()
        data = UserUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        reason = values.pop("reason", "")
        roles = values.pop("roles", None)
        with transaction.atomic():
            user = services.user_update(actor=request.user, user=user, reason=reason, **values)
            if roles is not None:
                services.user_set_roles(
                    actor=request.user, user=user, roles={Role(r) for r in roles}, reason=reason
                )
        return Response(UserOutputSerializer(user).data)

    @extend_schema(request=UserUpdateInputSerializer, responses=UserOutputSerializer)
    def partial_update(self, request: Request, *args: object, **kwargs: object) -> Response:
        return self.update(request, *args, **kwargs)
