"""Domain errors: what a service raises when a business rule refuses an action.

Views show `message` to the user, the API returns it in its error shape; nothing is written.
"""


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class SignatureRefused(DomainError):
    code = "signature_refused"


class ReasonRequired(DomainError):
    code = "reason_required"
