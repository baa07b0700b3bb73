"""Serving a stored file that people uploaded (an item's media, an exam's sample image)."""

from django.core.files import File
from django.http import FileResponse

# What the browser may do with an uploaded file it was served: show it, and nothing else. A
# file that is really a page runs no script and reaches nothing (sandbox, no sources).
MEDIA_CONTENT_SECURITY_POLICY = "default-src 'none'; sandbox"


def media_response(*, file: File, content_type: str) -> FileResponse:
    """Stream an uploaded ``file`` inline as ``content_type`` (``application/octet-stream``
    when unknown), with headers that keep the browser from treating it as anything else:
    the type as sent (no sniffing) and a sandbox. Like every answer, it is kept by no cache
    (``config.middleware.NoStoreMiddleware``)."""
    response = FileResponse(file.open("rb"),
                            content_type=content_type or "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    response["Content-Security-Policy"] = MEDIA_CONTENT_SECURITY_POLICY
    return response
