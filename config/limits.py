"""Request limits that answer with a reason instead of a 500 or a bare "Bad Request".

Django refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE, more than DATA_UPLOAD_MAX_NUMBER_FIELDS
fields or DATA_UPLOAD_MAX_NUMBER_FILES files only when a form is parsed, and DRF reads JSON
straight from the stream without any limit. RequestSizeLimitMiddleware refuses an oversized
body from its Content-Length before anything reads it (413), and a body sent without one
(chunked) with 411: under WSGI Django reads a body only up to its Content-Length, so it would
take that body as empty. `bad_request` is the 400 handler that names the limit Django's parser
hit. API paths answer in the API's error shape.
"""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

UPLOAD_FORM_ALLOWANCE = 64 * 1024  # the form fields and multipart framing around a file


def _limit_message(exception: Exception | None) -> tuple[str, str]:
    if isinstance(exception, RequestDataTooBig):
        return "request_too_large", (
            f"The request is larger than {_mb(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)}, "
            "the most this server accepts."
        )
    if isinstance(exception, TooManyFieldsSent):
        return "too_many_fields", (
            f"The request has more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} fields, "
            "the most this server accepts."
        )
    if isinstance(exception, TooManyFilesSent):
        return "too_many_files", (
            f"The request has more than {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files, "
            "the most this server accepts."
        )
    return "bad_request", "The request could not be understood."


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def limit_response(request: HttpRequest, code: str, message: str, status: int) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            {"error": {"code": code, "message": message, "fields": {}}}, status=status
        )
    return render(request, "400.html", {"message": message}, status=status)


def _mb(size: int) -> str:
    if size < 1e6:
        return f"{size / 1e3:.0f} kB"
    return f"{size / 1e6:.1f} MB" if size < 10e6 else f"{size / 1e6:.0f} MB"


class RequestSizeLimitMiddleware:
    """413 for a body whose declared size is over the limit for its kind: file uploads up to
    IMPORT_MAX_BYTES, every other body up to DATA_UPLOAD_MAX_MEMORY_SIZE. 411 for a body with
    a Transfer-Encoding and no Content-Length."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.META.get("HTTP_TRANSFER_ENCODING") and not request.META.get("CONTENT_LENGTH"):
            # Read as empty otherwise: a form would fail oddly, an API PATCH succeed unchanged.
            message = "The request body has no Content-Length; send it with one, not chunked."
            return limit_response(request, "length_required", message, 411)
        try:
            size = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return limit_response(request, "invalid", "The Content-Length header is invalid.", 400)
        if request.content_type == "multipart/form-data":
            limit = settings.IMPORT_MAX_BYTES + UPLOAD_FORM_ALLOWANCE
            what = "upload"
        else:
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            what = "request body"
        if limit is not None and size > limit:
            message = f"The {what} is {_mb(size)}; the limit is {_mb(limit)}."
            return limit_response(request, "request_too_large", message, 413)
        return self.get_response(request)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """400 handler: names the request limit that was hit, in the API's shape under /api/."""
    code, message = _limit_message(exception)
    return limit_response(request, code, message, 400)
