"""The one error a service raises when a rule refuses a change. `code` is the API error code
of SPEC §8; the message is written for people; `fields` maps field names to messages."""

STATUS_BY_CODE = {
    "not_found": 404,
    "forbidden": 403,
    "duplicate": 409,
    "idempotency_conflict": 409,
    "payout_run_in_progress": 409,
    "balance_outstanding": 409,
    "rate_limited": 429,
}


class ServiceError(ValueError):
    def __init__(self, code: str, message: str, fields: dict | None = None, **extra):
        super().__init__(message)
        self.code = code
        self.fields = fields or {}
        self.extra = extra

    @property
    def http_status(self) -> int:
        return STATUS_BY_CODE.get(self.code, 422)
