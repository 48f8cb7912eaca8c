"""Resource base: build strict request models, call a route, parse the answer."""

from __future__ import annotations

import functools
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar, cast
from urllib.parse import quote

from pydantic import BaseModel, TypeAdapter, ValidationError

from gateway_client._connectors import ConnectorQuirks, normalize_fee, ratio_to_percent
from gateway_client._encoding import encode_json, encode_query
from gateway_client._exceptions import (
    InvalidRequestError,
    TransactionFailedError,
    UnexpectedResponseError,
)
from gateway_client._models.base import FeeCorrection, GatewayRequest, TransactionResult
from gateway_client._transport import Route
from gateway_client._types import Chain, TransactionStatus

if TYPE_CHECKING:
    from gateway_client._client import GatewayClient

__all__ = ["Resource", "path_param"]

T = TypeVar("T")
RequestT = TypeVar("RequestT", bound=GatewayRequest)
_MAX_INPUT_IN_MESSAGE = 80


def path_param(value: str, *, field: str) -> str:
    """Percent-encode a path segment, refusing empty values."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequestError(
            f"Expected a non-empty {field}, received {value!r}", fields=(field,)
        )
    return quote(value.strip(), safe="")


def _describe(error: Any) -> str:
    location = ".".join(str(part) for part in error.get("loc", ()))
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    if "received" not in message and error.get("type") != "missing":
        shown = repr(error.get("input"))
        if len(shown) > _MAX_INPUT_IN_MESSAGE:
            shown = shown[:_MAX_INPUT_IN_MESSAGE] + "..."
        message = f"{message}, received {shown}"
    return f"{location}: {message}" if location else message


def build_request(
    model: type[RequestT], route: Route, *, for_chain: Chain | None, **fields: Any
) -> RequestT:
    """Validate call arguments into a strict request model.

    Args:
        model: The request model of the route.
        route: The route, named in error messages.
        for_chain: Chain whose address rules apply (``None``: accept any chain).
        **fields: Field values by snake_case name; ``None`` means "leave out".

    Returns:
        The validated request.

    Raises:
        InvalidRequestError: Naming each offending field, the value and what was expected.
    """
    values = {name: value for name, value in fields.items() if value is not None}
    try:
        return model.model_validate(values, context={"chain": for_chain})
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        names = tuple(str(error["loc"][0]) for error in errors if error.get("loc"))
        details = "; ".join(_describe(error) for error in errors)
        raise InvalidRequestError(
            f"Invalid arguments for {route.method} {route.path}: {details}", fields=names
        ) from None


@functools.cache
def _parser(response_type: Any) -> Callable[[bytes], Any]:
    if isinstance(response_type, type) and issubclass(response_type, BaseModel):
        return response_type.model_validate_json
    return TypeAdapter(response_type).validate_json


def parse_response(response_type: Any, content: bytes, *, route: Route, path: str) -> Any:
    """Parse a 2xx body into ``response_type`` (cached validators, JSON parsed in Rust)."""
    try:
        return _parser(response_type)(content)
    except ValidationError as exc:
        details = "; ".join(_describe(error) for error in exc.errors(include_url=False)[:5])
        raise UnexpectedResponseError(
            f"Gateway's answer to {route.method} {path} does not match the expected shape: "
            f"{details}"
        ) from None


class Resource:
    """Base of every resource group: holds the client and its per-chain defaults."""

    chain: Chain | None = None

    def __init__(self, client: GatewayClient) -> None:
        self._client = client

    def _network(self, network: str | None) -> str:
        return self._client._default_network(self.chain, network)

    def _slippage_pct(self, slippage: Decimal | None) -> Decimal:
        chosen = self._client._options.default_slippage if slippage is None else slippage
        return ratio_to_percent(chosen, field="slippage")

    async def _fetch(
        self, route: Route, request: GatewayRequest | None, *, path: str | None
    ) -> tuple[bytes, str]:
        concrete = path if path is not None else route.path
        payload = request.to_wire() if request is not None else {}
        if route.method == "GET":
            params = encode_query(payload) if payload else None
            content = None
        else:
            params = None
            content = encode_json(payload)
        body = await self._client._transport.request(
            route,
            path=concrete,
            params=params,
            content=content,
            retry=self._client._options.retry,
            timeouts=self._client._options.timeouts,
        )
        return body, concrete

    async def _call(
        self,
        route: Route,
        request_model: type[GatewayRequest] | None,
        response_type: type[T],
        *,
        for_chain: Chain | None = None,
        path: str | None = None,
        quirks: ConnectorQuirks | None = None,
        **fields: Any,
    ) -> T:
        # The one request path of every resource: validate ``fields`` into ``request_model``
        # (``None`` values left out; addresses checked for ``for_chain``), send, parse. A write's
        # answer is refused on status -1 and its fee flagged from ``quirks``.
        request = (
            None
            if request_model is None
            else build_request(request_model, route, for_chain=for_chain, **fields)
        )
        body, concrete = await self._fetch(route, request, path=path)
        result = parse_response(response_type, body, route=route, path=concrete)
        if route.is_write:
            result = _settled(route, result, quirks)
        return cast(T, result)

    async def _on_network(
        self,
        route: Route,
        request_model: type[GatewayRequest],
        response_type: type[T],
        *,
        network: str | None,
        quirks: ConnectorQuirks | None = None,
        **fields: Any,
    ) -> T:
        # A route of this resource's chain: ``network`` defaults to the client's for the chain.
        return await self._call(
            route,
            request_model,
            response_type,
            for_chain=self.chain,
            quirks=quirks,
            network=self._network(network),
            **fields,
        )


def _settled(route: Route, result: TransactionResult, quirks: ConnectorQuirks | None) -> Any:
    if result.status == TransactionStatus.FAILED:
        raise TransactionFailedError(
            f"Gateway reports transaction {result.signature} failed (status -1) on "
            f"{route.method} {route.path}",
            signature=result.signature,
        )
    data = getattr(result, "data", None)
    if quirks is not None and isinstance(data, FeeCorrection):
        return result.model_copy(update={"data": normalize_fee(data, quirks=quirks)})
    return result
