"""Domain errors: what a service raises when a business rule refuses an action.

Views show `message` to the user, the API returns it in its error shape; nothing is written.
Each error carries the HTTP status the API answers it with (common.api.exception_handler), so
an app declares what its refusals mean once, where it raises them: a plain refusal is a 400, a
`Conflict` (the data changed since the caller read it) a 409, a `NotFound` (no such record,
or not one the caller may see) a 404, on pages too (common.views.NotFoundMixin).
"""

from http import HTTPStatus
from typing import Any


class DomainError(Exception):
    """`fields`: what is wrong per input field, as messages; a refused batch names its rows
    instead ({"row", "field", "message"} for each problem)."""

    code = "domain_error"
    http_status = HTTPStatus.BAD_REQUEST

    def __init__(self, message: str, *, fields: dict[str, list[Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class Conflict(DomainError):
    """The record changed since the caller read it: read it again, then decide again."""

    http_status = HTTPStatus.CONFLICT


class NotFound(DomainError):
    """No such record for this actor: one out of their reach answers as one that does not
    exist, so its existence is not given away."""

    code = "not_found"
    http_status = HTTPStatus.NOT_FOUND


class SignatureRefused(DomainError):
    code = "signature_refused"


class ReasonRequired(DomainError):
    code = "reason_required"


def required_reason(reason: str, *, what: str) -> str:
    """The reason given for `what` (e.g. "rejecting the suggested order"), stripped; refused
    when there is none."""
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired(f"Give a reason for {what}.", fields={"reason": ["Required."]})
    return reason
