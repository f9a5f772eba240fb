from rest_framework import serializers

from accounts.models import User
from accounts.roles import Role, user_roles


class UserOutputSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "email", "is_active", "roles", "date_joined"]
        read_only_fields = fields

    def get_roles(self, user: User) -> list[str]:
        return sorted(role.value for role in user_roles(user))


class UserUpdateInputSerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=150, required=False)
    email = serializers.EmailField(required=False)
    is_active = serializers.BooleanField(required=False)
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=[role.value for role in Role]), required=False
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="")

    def validate(self, attrs: dict) -> dict:
        unknown = set(self.initial_data) - set(self.fields)
        if unknown:
            raise serializers.ValidationError(
                {
                    name: ["This field cannot be changed through the API."]
                    for name in sorted(unknown)
                }
            )
        return attrs


class SignatureInputSerializer(serializers.Serializer):
    """The signing components a signed API action carries (accounts.services.signature_verify):
    the password again, and the user id, checked when given and required after a pause."""

    password = serializers.CharField(
        write_only=True,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text="The signer's password again: the electronic signature.",
    )
    username = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=150,
        help_text="The signer's user id, checked when given; required when a signed-in "
        "session was idle (see SIGNATURE_REIDENTIFY_MINUTES).",
    )
