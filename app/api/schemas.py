"""The request bodies and the response models of the REST API (and the WebSocket's data).

Shapes follow hummingbot-api's executor routes, so its stock client reads them unchanged.
Requests are strict (unknown fields refused, naming the field). Most answers are the service's
own models (:mod:`lpexec.app.service.models`, amounts as JSON numbers); the ones here wrap them
in hummingbot-api's envelopes.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from lpexec.app.service.models import ExecutorRecord, ExecutorTypeInfo

__all__ = [
    "CreateExecutorRequest",
    "ErrorResponse",
    "ExecutorTypesResponse",
    "Pagination",
    "SearchRequest",
    "SearchResponse",
    "StopRequest",
]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorResponse(BaseModel):
    """Every error that is not a request validation error: what went wrong, in words."""

    detail: str


class CreateExecutorRequest(_Request):
    """``POST /executors/``."""

    executor_config: dict[str, Any] = Field(
        description="The executor's config; its `type` names the executor type."
    )
    account_name: str | None = None
    controller_id: str | None = Field(
        default=None,
        description="The owner; else the config's `controller_id`, else the token's controller, "
        "else `main`. Disagreeing values are refused.",
    )


class SearchRequest(_Request):
    """``POST /executors/search``: every list is OR within itself, AND with the others."""

    account_names: list[str] | None = None
    connector_names: list[str] | None = None
    trading_pairs: list[str] | None = None
    executor_types: list[str] | None = None
    controller_ids: list[str] | None = None
    status: str | None = Field(
        default=None,
        description="NOT_STARTED, RUNNING, SHUTTING_DOWN, TERMINATED (or lpexec's CREATED, "
        "ACTIVE, CLOSING); several separated by commas.",
    )
    stranded: bool | None = Field(
        default=None,
        description="lpexec: true for the executors stranded with a reason to act on, false "
        "for the others.",
    )
    cursor: str | None = Field(default=None, description="`next_cursor` of the previous page.")
    limit: int = Field(default=100, ge=1, le=1000)


class StopRequest(_Request):
    """``POST /executors/{executor_id}/stop``."""

    keep_position: bool = Field(
        default=False, description="Leave the position open and hold it (close type POSITION_HOLD)."
    )


class Pagination(BaseModel):
    """Where a search page is: ``next_cursor`` is null on the last page."""

    limit: int
    has_more: bool
    next_cursor: str | None
    total_count: int


class SearchResponse(BaseModel):
    """One page of a search."""

    data: list[ExecutorRecord]
    pagination: Pagination


class ExecutorTypesResponse(BaseModel):
    """Every executor type this service runs."""

    executor_types: list[ExecutorTypeInfo]
