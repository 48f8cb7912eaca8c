"""The MCP tools: ``manage_executors`` (hummingbot-mcp's actions) and ``get_portfolio_overview``.

:class:`ExecutorTools` is a thin adapter over the service contract
(:class:`~lpexec.app.service.ExecutorServicePort`): each action is one service call made as the
tools' :class:`~lpexec.app.service.Caller` (the operator, or one controller's agent). Its methods
are the tool functions the MCP server registers, so their signatures are the tools' input
schemas and their docstrings the descriptions an agent reads.

Every answer is a ``CallToolResult`` whose text is the JSON of its ``structured_content``.
What the caller can fix comes back as a result with ``is_error`` set, never as an exception:
``{"error": {"type", "message", "limit"?}}`` where ``type`` is ``validation_error`` (a bad
config or parameter, naming the field), ``risk_rejected`` (the risk engine's reason, e.g.
``max_open_executors: 3 would exceed 2``, and the ``limit``), ``scope_error`` (another
controller's), ``not_found``, ``store_error``, ``executor_error`` or ``internal_error`` (a bug,
logged with its traceback). Stopping a finished executor is not an error: its answer says
``already_terminated`` with the close type.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Annotated, Any

from mcp_types import CallToolResult, TextContent
from pydantic import Field

from lpexec.app.mcp.guides import guide_for
from lpexec.app.mcp.portfolio import BalanceReader
from lpexec.app.service import (
    MAX_PAGE,
    Caller,
    ExecutorServicePort,
    ScopeError,
    SearchFilters,
    clean_json,
)
from lpexec.core import (
    ConfigError,
    ExecutorError,
    RiskRejectedError,
    StoreError,
    UnknownExecutorError,
)

__all__ = ["ACTIONS", "ExecutorTools"]

logger = logging.getLogger(__name__)

ACTIONS = (
    "create",
    "search",
    "stop",
    "get_logs",
    "positions_summary",
    "clear_position",
    "performance_report",
)
"""The actions of ``manage_executors`` (none: list the types, or one type's schema)."""

_OPEN_STATUSES = ("CREATED", "ACTIVE", "CLOSING")
_DEFAULT_ACCOUNT = "master_account"
_DEFAULT_CONTROLLER = "main"

Names = Annotated[list[str] | None, Field(description="Any of these (OR); omitted: any.")]


class ExecutorTools:
    """The MCP tools over one service, acting as ``caller``.

    Args:
        service: the executor service (``lpexec.app.service.ExecutorService``).
        caller: who the agent is: ``Caller()`` for the operator, ``Caller("bot-a")`` for the
            agent of controller ``bot-a`` (it sees and creates only that controller's
            executors).
        balances: the accounts ``get_portfolio_overview`` reads (none: no balances).
    """

    def __init__(
        self,
        service: ExecutorServicePort,
        *,
        caller: Caller | None = None,
        balances: Sequence[BalanceReader] = (),
    ) -> None:
        self.service = service
        self.caller = caller or Caller()
        self.balances = list(balances)

    async def manage_executors(
        self,
        action: Annotated[
            str | None,
            Field(
                description="create | search | stop | get_logs | positions_summary | "
                "clear_position | performance_report. Omitted: list the executor types, or "
                "with executor_type, that type's config schema and a short guide."
            ),
        ] = None,
        executor_type: Annotated[
            str | None, Field(description="A type, e.g. lp_executor or order_executor.")
        ] = None,
        executor_config: Annotated[
            dict[str, Any] | None,
            Field(description="create: the executor's config (its type from executor_type)."),
        ] = None,
        executor_id: Annotated[
            str | None,
            Field(description="search: the one executor to detail; stop and get_logs: which."),
        ] = None,
        account_names: Names = None,
        connector_names: Names = None,
        trading_pairs: Names = None,
        executor_types: Names = None,
        status: Annotated[
            str | list[str] | None,
            Field(description="search: RUNNING, TERMINATED, ... (or ACTIVE, CLOSING...)."),
        ] = None,
        cursor: Annotated[
            str | None, Field(description="search: the next_cursor of the previous page.")
        ] = None,
        limit: Annotated[
            int, Field(description=f"search and get_logs: at most this many (1..{MAX_PAGE}).")
        ] = 50,
        log_level: Annotated[
            str | None, Field(description="get_logs: DEBUG, INFO, WARNING or ERROR only.")
        ] = None,
        keep_position: Annotated[
            bool,
            Field(description="stop: true leaves what it holds open (a held position)."),
        ] = False,
        account_name: Annotated[
            str | None, Field(description="create, positions: the account.")
        ] = None,
        connector_name: Annotated[
            str | None, Field(description="positions_summary, clear_position: with trading_pair.")
        ] = None,
        trading_pair: Annotated[
            str | None,
            Field(description="positions_summary, clear_position: with connector_name."),
        ] = None,
        controller_id: Annotated[
            str | None,
            Field(description="create, performance_report, positions: the controller."),
        ] = None,
        controller_ids: Annotated[
            list[str] | None, Field(description="search: executors of any of these.")
        ] = None,
    ) -> CallToolResult:
        """Create, find, inspect and stop executors (LP positions, swaps, orders, positions,
        grids) and read their performance and held positions.

        With no action it lists the executor types; with only executor_type it returns that
        type's config schema and a short guide. create returns the new executor_id. search
        returns one page (next_cursor for the next) or, with executor_id, the executor's
        detail. Errors come back as {"error": {"type", "message"}}, a risk refusal naming the
        limit it hit.
        """
        params = {
            "executor_type": executor_type,
            "executor_config": executor_config,
            "executor_id": executor_id,
            "filters": SearchFilters(
                controller_ids=controller_ids,
                connector_names=connector_names,
                trading_pairs=trading_pairs,
                executor_types=executor_types,
                account_names=account_names,
                statuses=[status] if isinstance(status, str) else status,
            ),
            "cursor": cursor,
            "limit": limit,
            "log_level": log_level,
            "keep_position": keep_position,
            "account_name": account_name,
            "connector_name": connector_name,
            "trading_pair": trading_pair,
            "controller_id": controller_id,
        }
        return await _answer(lambda: self._manage(action, **params))

    async def get_portfolio_overview(
        self,
        connector_names: Names = None,
        include_balances: Annotated[
            bool, Field(description="The accounts' token balances.")
        ] = True,
        include_lp_positions: Annotated[
            bool, Field(description="The open LP positions (running LP executors).")
        ] = True,
        include_held_positions: Annotated[
            bool, Field(description="What stopped executors left held (keep_position).")
        ] = True,
    ) -> CallToolResult:
        """The portfolio: token balances per account (the exchange, the wallet), the open LP
        positions with their range, price and amounts, and the held positions.

        Balances are the accounts' own (shared by every controller); LP and held positions are
        only those this caller may see.
        """

        async def overview() -> dict[str, Any]:
            wanted = set(connector_names or ())
            result: dict[str, Any] = {}
            if include_balances:
                result["balances"] = await self._balances(wanted)
            if include_lp_positions:
                result["lp_positions"] = await self._lp_positions(wanted)
            if include_held_positions:
                held = await self.service.positions_summary(caller=self.caller)
                result["held_positions"] = [
                    position.model_dump(mode="json")
                    for position in held.positions
                    if not wanted or position.connector_name in wanted
                ]
            return result

        return await _answer(overview)

    # --- actions -------------------------------------------------------------------------------

    async def _manage(self, action: str | None, **params: Any) -> dict[str, Any]:
        if action is None or action == "":
            if params["executor_type"] is None:
                return self._types()
            return self._schema(params["executor_type"])
        handlers: dict[str, Callable[..., Awaitable[dict[str, Any]]]] = {
            "create": self._create,
            "search": self._search,
            "stop": self._stop,
            "get_logs": self._logs,
            "positions_summary": self._positions,
            "clear_position": self._clear_position,
            "performance_report": self._performance,
        }
        name = action.strip().lower() if isinstance(action, str) else ""
        handler = handlers.get(name)
        if name.endswith("_preferences"):
            raise ConfigError(
                f"action: {action!r} is not offered: lpexec keeps no saved config defaults; "
                "pass the whole executor_config to create (see its schema: no action, "
                "executor_type only)"
            )
        if handler is None:
            raise ConfigError(
                f"action: expected one of {', '.join(ACTIONS)} (or none), received {action!r}"
            )
        return await handler(**params)

    def _types(self) -> dict[str, Any]:
        return {
            "executor_types": [info.model_dump(mode="json") for info in self.service.types()],
            "next_step": "Call again with executor_type set (and no action) for its config "
            "schema and a guide.",
        }

    def _schema(self, executor_type: str) -> dict[str, Any]:
        schema = self.service.config_schema(executor_type)
        return {"config_schema": schema.model_dump(mode="json"), "guide": guide_for(schema)}

    async def _create(
        self,
        *,
        executor_type: str | None,
        executor_config: dict[str, Any] | None,
        controller_id: str | None,
        account_name: str | None,
        **_: Any,
    ) -> dict[str, Any]:
        config = self._merged_config(executor_type, executor_config)
        report = await self.service.create(
            config, caller=self.caller, controller_id=controller_id, account_name=account_name
        )
        return {
            "executor_id": report.executor_id,
            "message": f"created {report.executor_type} {report.executor_id} for controller "
            f"{report.controller_id!r}: {report.status}",
            "executor": report.model_dump(mode="json"),
        }

    def _merged_config(
        self, executor_type: str | None, executor_config: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        """The config with its type: ``executor_type`` fills a missing ``type``; two that name
        different types are refused."""
        if executor_config is None or not isinstance(executor_config, Mapping):
            raise ConfigError(
                "executor_config: expected an object with the executor's fields, received "
                f"{executor_config!r}"
            )
        config = dict(executor_config)
        if executor_type is None:
            return config
        given = config.get("type")
        if given is None:
            config["type"] = executor_type
        elif self._type_name(given) != self._type_name(executor_type):
            raise ConfigError(
                f"executor_config.type: expected {executor_type!r} as executor_type says, "
                f"received {given!r}"
            )
        return config

    def _type_name(self, name: object) -> str:
        for info in self.service.types():
            if name in (info.type, info.name):
                return info.type
        return str(name)

    async def _search(
        self,
        *,
        executor_id: str | None,
        filters: SearchFilters,
        cursor: str | None,
        limit: int,
        **_: Any,
    ) -> dict[str, Any]:
        if executor_id is not None:
            report = await self.service.get(executor_id, caller=self.caller)
            return {"executor": report.model_dump(mode="json")}
        page = await self.service.search(filters, caller=self.caller, cursor=cursor, limit=limit)
        return {
            "executors": [item.model_dump(mode="json") for item in page.items],
            "total_count": page.total_count,
            "has_more": page.has_more,
            "next_cursor": page.next_cursor,
        }

    async def _stop(
        self, *, executor_id: str | None, keep_position: bool, **_: Any
    ) -> dict[str, Any]:
        executor_id = _required(executor_id, "executor_id", "stop")
        result = await self.service.stop(
            executor_id, caller=self.caller, keep_position=keep_position
        )
        answer = result.model_dump(mode="json")
        if result.status == "already_terminated":
            answer["message"] = (
                f"executor {executor_id} already terminated (close type {result.close_type}); "
                "nothing to stop"
            )
        elif result.status == "not_running":
            answer["message"] = result.detail
        else:
            held = "keeping its position" if keep_position else "closing its position"
            answer["message"] = f"executor {executor_id} is stopping, {held}"
        return answer

    async def _logs(
        self, *, executor_id: str | None, log_level: str | None, limit: int, **_: Any
    ) -> dict[str, Any]:
        executor_id = _required(executor_id, "executor_id", "get_logs")
        page = await self.service.logs(
            executor_id, caller=self.caller, level=log_level, limit=limit
        )
        return page.model_dump(mode="json")

    async def _positions(
        self,
        *,
        connector_name: str | None,
        trading_pair: str | None,
        account_name: str | None,
        controller_id: str | None,
        **_: Any,
    ) -> dict[str, Any]:
        if connector_name is None and trading_pair is None:
            summary = await self.service.positions_summary(
                caller=self.caller, controller_id=controller_id
            )
            return summary.model_dump(mode="json")
        connector, pair = _position_key(connector_name, trading_pair, "positions_summary")
        position = await self.service.position(
            connector,
            pair,
            caller=self.caller,
            account_name=account_name or _DEFAULT_ACCOUNT,
            controller_id=self._controller(controller_id),
        )
        return {"position": position.model_dump(mode="json")}

    async def _clear_position(
        self,
        *,
        connector_name: str | None,
        trading_pair: str | None,
        account_name: str | None,
        controller_id: str | None,
        **_: Any,
    ) -> dict[str, Any]:
        connector, pair = _position_key(connector_name, trading_pair, "clear_position")
        cleared = await self.service.clear_position(
            connector,
            pair,
            caller=self.caller,
            account_name=account_name or _DEFAULT_ACCOUNT,
            controller_id=self._controller(controller_id),
        )
        return cleared.model_dump(mode="json")

    async def _performance(self, *, controller_id: str | None, **_: Any) -> dict[str, Any]:
        report = await self.service.performance(caller=self.caller, controller_id=controller_id)
        return report.model_dump(mode="json")

    def _controller(self, controller_id: str | None) -> str:
        """A held position's controller: the one named, else the caller's, else ``main``."""
        return controller_id or self.caller.controller_id or _DEFAULT_CONTROLLER

    # --- portfolio -----------------------------------------------------------------------------

    async def _balances(self, wanted: set[str]) -> dict[str, Any]:
        balances: dict[str, Any] = {}
        for reader in self.balances:
            if wanted and reader.connector_name not in wanted:
                continue
            try:
                balances[reader.connector_name] = clean_json(await reader.read())
            except Exception as e:  # one unreadable account must not hide the others
                logger.warning("portfolio: %s balances unreadable: %s", reader.connector_name, e)
                balances[reader.connector_name] = {"error": f"unreadable: {e}"}
        return balances

    async def _lp_positions(self, wanted: set[str]) -> list[dict[str, Any]]:
        filters = SearchFilters(
            executor_types=["lp_executor"],
            statuses=_OPEN_STATUSES,
            connector_names=sorted(wanted) or None,
        )
        positions: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            page = await self.service.search(
                filters, caller=self.caller, cursor=cursor, limit=MAX_PAGE
            )
            for item in page.items:
                report = await self.service.get(item.executor_id, caller=self.caller)
                positions.append(
                    {
                        "executor_id": report.executor_id,
                        "controller_id": report.controller_id,
                        "connector_name": report.connector_name,
                        "trading_pair": report.trading_pair,
                        "status": report.status,
                        "net_pnl_quote": clean_json(report.net_pnl_quote),
                        "position": clean_json(report.custom_info),
                    }
                )
            cursor = page.next_cursor
            if cursor is None:
                return positions


def _required(value: str | None, field: str, action: str) -> str:
    if not value or not isinstance(value, str):
        raise ConfigError(f"{field}: expected an executor id for {action}, received {value!r}")
    return value


def _position_key(
    connector_name: str | None, trading_pair: str | None, action: str
) -> tuple[str, str]:
    if not connector_name or not trading_pair:
        raise ConfigError(
            f"connector_name, trading_pair: expected both for {action} of one position, "
            f"received {connector_name!r}, {trading_pair!r}"
        )
    return connector_name, trading_pair


async def _answer(produce: Callable[[], Awaitable[dict[str, Any]]]) -> CallToolResult:
    """Run one tool call: its answer, or a readable error result for what went wrong."""
    try:
        return _result(await produce(), is_error=False)
    except RiskRejectedError as e:
        return _error("risk_rejected", str(e), limit=e.limit)
    except ScopeError as e:
        return _error("scope_error", str(e))
    except UnknownExecutorError as e:
        return _error("not_found", f"{e} (no such executor, or not this caller's)")
    except StoreError as e:
        return _error("store_error", str(e))
    except (ConfigError, ValueError) as e:
        return _error("validation_error", str(e))
    except LookupError as e:
        return _error("not_found", str(e.args[0]) if e.args else type(e).__name__)
    except ExecutorError as e:
        return _error("executor_error", str(e))
    except Exception as e:  # a bug: logged in full, answered without a traceback
        logger.exception("MCP tool call failed")
        return _error("internal_error", f"{type(e).__name__}: {e}")


def _error(kind: str, message: str, **extra: Any) -> CallToolResult:
    return _result({"error": {"type": kind, "message": message, **extra}}, is_error=True)


def _result(data: dict[str, Any], *, is_error: bool) -> CallToolResult:
    data = clean_json(data)
    text = json.dumps(data, indent=2, sort_keys=False)
    return CallToolResult(
        content=[TextContent(type="text", text=text)], structured_content=data, is_error=is_error
    )
