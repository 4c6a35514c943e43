"""One error hierarchy for the whole server.

A `CommonholdError` carries a message that is safe to show to whoever made the request;
everything else that goes wrong is logged and answered with a generic 500. The HTTP layer
turns these into `{"error": "..."}` under /api/ and /oauth/, a short body on federation
endpoints, and an error page everywhere else (see `server.web.errors`).
"""

from __future__ import annotations

from typing import ClassVar


class CommonholdError(Exception):
    """An error whose message may be shown to the client."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"

    def __init__(self, message: str, **detail: object) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class BadRequestError(CommonholdError):
    status = 400
    code = "bad_request"


class UnauthorizedError(CommonholdError):
    status = 401
    code = "unauthorized"


class ForbiddenError(CommonholdError):
    status = 403
    code = "forbidden"


class NotFoundError(CommonholdError):
    status = 404
    code = "not_found"


class ConflictError(CommonholdError):
    status = 409
    code = "conflict"


class PayloadTooLargeError(CommonholdError):
    status = 413
    code = "payload_too_large"


class ValidationError(CommonholdError):
    """Input that is well-formed but not acceptable (Mastodon answers these with 422)."""

    status = 422
    code = "validation_failed"


class RateLimitedError(CommonholdError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, **detail: object) -> None:
        super().__init__(message, **detail)
        self.retry_after = retry_after


class ServiceUnavailableError(CommonholdError):
    status = 503
    code = "unavailable"


# Federation: raised while parsing and verifying what other servers send.
class MalformedActivityError(BadRequestError):
    code = "malformed_activity"


class SignatureError(UnauthorizedError):
    """A signature is missing, malformed, stale or does not verify."""

    code = "bad_signature"


class ActorMismatchError(ForbiddenError):
    """The signing key does not belong to the activity's actor."""

    code = "actor_mismatch"


# Configuration and start-up problems: shown as one line by the CLI.
class ConfigError(CommonholdError):
    code = "config"
