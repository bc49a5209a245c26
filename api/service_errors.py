"""A service's refusal (ServiceError) becomes the error envelope with its code's status."""

from api.blueprint import bp
from api.errors import error_response
from core.service_errors import ServiceError


@bp.errorhandler(ServiceError)
def handle_service_error(error: ServiceError):
    return error_response(error.http_status, error.code, str(error), error.fields, error.extra)
