"""Errors as OpenCRVS's events service writes them on its REST (OpenAPI) and tRPC endpoints.

Sources:
- opencrvs/opencrvs-core v2.0.0 (d244255356082c3b54fd5f7455e9a8b8d7a71d50) ``packages/events/src/server.ts``:
  REST calls go through ``createOpenApiHttpHandler`` (trpc-to-openapi ^3.2); ``router/trpc.ts``: superjson
  transformer, the default error shape (production: no ``stack``).
- mcampa/trpc-to-openapi ``src/adapters/node-http/core.ts``: the REST error body is the tRPC error shape with
  ``message`` (``"Input validation failed"`` for a zod input error) and ``code`` replaced by the string code,
  plus ``issues`` (the zod issues) for an input error; status from ``TRPC_ERROR_CODE_HTTP_STATUS``.
  An INTERNAL_SERVER_ERROR reads ``"Internal server error"`` with ``data {code, httpStatus}`` only (production).
- ``validate/utils.ts`` ``throwWhenNotEmpty``: field errors travel as ``message`` = the JSON text of the list
  ``[{message, id, value}]`` (a string to parse, not a JSON array).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import JSONResponse

HTTP_STATUS = {
    "PARSE_ERROR": 400, "BAD_REQUEST": 400, "UNAUTHORIZED": 401, "FORBIDDEN": 403, "NOT_FOUND": 404,
    "METHOD_NOT_SUPPORTED": 405, "TIMEOUT": 408, "CONFLICT": 409, "PRECONDITION_FAILED": 412,
    "PAYLOAD_TOO_LARGE": 413, "UNSUPPORTED_MEDIA_TYPE": 415, "UNPROCESSABLE_CONTENT": 422,
    "TOO_MANY_REQUESTS": 429, "INTERNAL_SERVER_ERROR": 500,
}
JSON_RPC_CODE = {
    "PARSE_ERROR": -32700, "BAD_REQUEST": -32600, "INTERNAL_SERVER_ERROR": -32603, "UNAUTHORIZED": -32001,
    "FORBIDDEN": -32003, "NOT_FOUND": -32004, "METHOD_NOT_SUPPORTED": -32005, "TIMEOUT": -32008,
    "CONFLICT": -32009, "PRECONDITION_FAILED": -32012, "PAYLOAD_TOO_LARGE": -32013,
    "UNSUPPORTED_MEDIA_TYPE": -32015, "UNPROCESSABLE_CONTENT": -32022, "TOO_MANY_REQUESTS": -32029,
}


class TrpcError(Exception):
    """A ``TRPCError``: ``message`` defaults to the code, as tRPC does when none is given."""

    def __init__(self, code: str, message: str | None = None, *, issues: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message or code)
        self.code = code
        self.message = message or code
        self.issues = issues


def field_errors(errors: list[dict[str, Any]]) -> TrpcError:
    return TrpcError("BAD_REQUEST", json.dumps(errors, separators=(",", ":"), ensure_ascii=False))


def input_error(issues: list[dict[str, Any]]) -> TrpcError:
    return TrpcError("BAD_REQUEST", "Input validation failed", issues=issues)


def rest_error(error: TrpcError, path: str | None) -> JSONResponse:
    status = HTTP_STATUS.get(error.code, 500)
    data: dict[str, Any] = {"code": error.code, "httpStatus": status}
    message = error.message
    if error.code == "INTERNAL_SERVER_ERROR":
        message = "Internal server error"  # errorFormatter in production: no message, no path, no stack
    elif path:
        data["path"] = path
    body: dict[str, Any] = {"message": message, "code": error.code, "data": data}
    if error.issues is not None:
        body["issues"] = error.issues
    return JSONResponse(body, status_code=status)


def trpc_error(error: TrpcError, path: str) -> JSONResponse:
    """The tRPC wire form (superjson): ``{"error": {"json": {message, code: <JSON-RPC>, data}}}``."""
    status = HTTP_STATUS.get(error.code, 500)
    data: dict[str, Any] = {"code": error.code, "httpStatus": status, "path": path}
    message = error.message
    if error.code == "INTERNAL_SERVER_ERROR":
        message, data = "Internal server error", {"code": error.code, "httpStatus": status}
    shape = {"message": message, "code": JSON_RPC_CODE.get(error.code, -32603), "data": data}
    return JSONResponse({"error": {"json": shape}}, status_code=status)


# ------------------------------------------------------------------------------------------ zod issues
def unrecognized_keys(keys: list[str]) -> dict[str, Any]:
    quoted = ", ".join(f'"{k}"' for k in keys)
    return {"code": "unrecognized_keys", "keys": keys, "path": [],
            "message": f"Unrecognized key{'s' if len(keys) > 1 else ''}: {quoted}"}


def invalid_type(path: list[str | int], expected: str, value: Any) -> dict[str, Any]:
    return {"expected": expected, "code": "invalid_type", "path": path,
            "message": f"Invalid input: expected {expected}, received {_zod_type(value)}"}


def invalid_uuid(path: list[str | int]) -> dict[str, Any]:
    return {"origin": "string", "code": "invalid_format", "format": "uuid", "path": path, "message": "Invalid UUID"}


def _zod_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"
