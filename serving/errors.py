"""Every error leaves the API as JSON ``{code, message, detail}``: a stable code, a Chinese message, and
details that never echo request text (no ``input`` values, no stack traces, no personal data)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

# status -> (code, Chinese message) for errors raised by the framework itself
STATUS_ERRORS: dict[int, tuple[str, str]] = {
    400: ("bad_request", "请求格式错误，无法解析请求体（须为 UTF-8 编码的 JSON）"),
    401: ("unauthorized", "缺少或无效的 API 密钥（请在 X-API-Key 请求头中提供）"),
    403: ("forbidden", "该 API 密钥无权访问此接口"),
    404: ("not_found", "请求的资源不存在"),
    405: ("method_not_allowed", "该接口不支持此请求方法"),
    413: ("payload_too_large", "请求体过大"),
    415: ("unsupported_media_type", "不支持的请求内容类型，请使用 application/json"),
    422: ("validation_error", "请求参数校验失败"),
    429: ("rate_limited", "请求过于频繁，请稍后再试"),
    500: ("internal_error", "服务器内部错误，请稍后再试或联系管理员"),
    503: ("unavailable", "服务暂不可用"),
}


class ApiError(StarletteHTTPException):
    """An error with its own code and Chinese message. Subclasses Starlette's HTTPException so that
    FastAPI re-raises it even when it comes out of reading the request body."""

    def __init__(self, status_code: int, code: str, message: str, detail: Any = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(status_code=status_code, detail=message, headers=headers)
        self.code = code
        self.message = message
        self.payload_detail = detail


def error_body(code: str, message: str, detail: Any = None) -> dict[str, Any]:
    return {"code": code, "message": message, "detail": detail}


def error_response(status: int, code: str, message: str, detail: Any = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(code, message, detail), status_code=status, headers=headers)


def status_error(status: int, detail: Any = None) -> JSONResponse:
    code, message = STATUS_ERRORS.get(status, ("http_error", "请求失败"))
    return error_response(status, code, message, detail)


def clean_validation_errors(errors: list[dict[str, Any]] | tuple) -> list[dict[str, Any]]:
    """Keep location, type and message of each error; drop the offending input (it may hold PII)."""
    cleaned = []
    for err in errors:
        loc = [p if isinstance(p, (int, str)) else str(p) for p in err.get("loc", ())]
        msg = str(err.get("msg", "")).removeprefix("Value error, ")
        cleaned.append({"loc": loc, "type": str(err.get("type", "")), "msg": msg})
    return cleaned


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status_code, exc.code, exc.message, exc.payload_detail, exc.headers)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code, message = STATUS_ERRORS.get(exc.status_code, ("http_error", "请求失败"))
    return error_response(exc.status_code, code, message, None, getattr(exc, "headers", None))


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = clean_validation_errors(exc.errors())
    code, message = STATUS_ERRORS[422]
    if any(e["type"] == "json_invalid" for e in errors):
        code, message = "invalid_json", "请求体不是合法的 JSON"
    else:
        zh = [e["msg"] for e in errors if _has_cjk(e["msg"])]
        if zh:  # our own validators speak Chinese; surface the first such message
            message = f"{message}：{zh[0]}"
    return error_response(422, code, message, errors)


def _has_cjk(s: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in s)


def install_error_handlers(app: FastAPI) -> None:
    """Unexpected exceptions are turned into 500 JSON by ``serving.middleware.RequestContext``."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
