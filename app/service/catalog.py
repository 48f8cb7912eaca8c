"""The executor types the service creates, their names and their config schemas.

Every type has lpexec's name (``lp``, the config's ``type``) and Hummingbot's (``lp_executor``);
both are accepted wherever a type is named, and reports use Hummingbot's. A config schema is
read from the config class's JSON schema: one :class:`ConfigField` per property, nested models
in ``nested_types``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from lpexec.app.service.models import ConfigField, ConfigSchema, ExecutorTypeInfo
from lpexec.core import ConfigError, Executor, ExecutorConfig

__all__ = ["TypeCatalog", "hummingbot_name"]

_USE_CASES = {
    "lp": "Provide concentrated liquidity in a range on a DEX pool (Meteora, Raydium, Orca), "
    "close on time or price limits, swap back what it holds.",
    "swap": "One swap on a DEX aggregator or pool at the best quote, with a slippage bound.",
    "order": "One order on an exchange: MARKET, LIMIT, LIMIT_MAKER or LIMIT_CHASER.",
    "position": "A directional position with stop loss, take profit, time limit and trailing "
    "stop (triple barrier).",
    "grid": "A grid of buy and sell orders between two prices, taking profit level by level.",
    "dca": "Average into a position over price levels (limit or market), closing on take "
    "profit, stop loss, trailing stop or time limit on the average entry.",
    "twap": "Buy or sell a total in equal-time slices over a duration (market, or limit "
    "near the mid), reporting the average price and the slippage against arrival.",
}

_CONSTRAINTS = (
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
)


def hummingbot_name(type_name: str) -> str:
    """Hummingbot's name of a type: ``lp`` is ``lp_executor``."""
    return type_name if type_name.endswith("_executor") else f"{type_name}_executor"


class TypeCatalog:
    """The types of a build (``app.registry.EXECUTOR_TYPES``), by either name."""

    def __init__(self, executor_types: Iterable[type[Executor[Any, Any]]]) -> None:
        self.config_classes: dict[str, type[ExecutorConfig]] = {
            cls.config_class.type: cls.config_class for cls in executor_types
        }

    def resolve(self, received: object, *, field: str = "type") -> str:
        """lpexec's name of a type named either way.

        Raises:
            ConfigError: not a type of this build.
        """
        if isinstance(received, str):
            name = received.strip()
            name = name.removesuffix("_executor") if name not in self.config_classes else name
            if name in self.config_classes:
                return name
        known = ", ".join(hummingbot_name(name) for name in sorted(self.config_classes))
        raise ConfigError(
            f"{field}: expected one of {known} (or without _executor), received {received!r}"
        )

    def types(self) -> list[ExecutorTypeInfo]:
        """Every type with a description."""
        return [
            ExecutorTypeInfo(
                type=hummingbot_name(name),
                name=name,
                description=_first_paragraph(cls.__doc__),
                use_case=_USE_CASES.get(name),
            )
            for name, cls in sorted(self.config_classes.items())
        ]

    def config_schema(self, executor_type: str) -> ConfigSchema:
        """A type's config fields (ConfigError for an unknown type)."""
        name = self.resolve(executor_type, field="executor_type")
        cls = self.config_classes[name]
        schema = cls.model_json_schema()
        definitions: Mapping[str, Any] = schema.get("$defs", {})
        nested = {
            def_name: _fields(definition, definitions)
            for def_name, definition in definitions.items()
            if "properties" in definition
        }
        return ConfigSchema(
            executor_type=hummingbot_name(name),
            config_class=cls.__name__,
            description=_first_paragraph(cls.__doc__),
            fields=_fields(schema, definitions),
            nested_types=nested,
        )


def _first_paragraph(doc: str | None) -> str:
    text = (doc or "").strip().split("\n\n", 1)[0]
    return " ".join(text.split())


def _fields(schema: Mapping[str, Any], definitions: Mapping[str, Any]) -> list[ConfigField]:
    required = set(schema.get("required", ()))
    descriptions = _attribute_docs(schema.get("description", ""))
    fields = []
    for name, prop in schema.get("properties", {}).items():
        type_name, enum_values, constraints = _describe(prop, definitions)
        fields.append(
            ConfigField(
                name=name,
                type=type_name,
                required=name in required,
                default=prop.get("default"),
                description=prop.get("description") or descriptions.get(name),
                constraints=constraints or None,
                enum_values=enum_values,
            )
        )
    return fields


def _describe(
    prop: Mapping[str, Any], definitions: Mapping[str, Any]
) -> tuple[str, list[Any] | None, dict[str, Any]]:
    """A property's type name, its allowed values (enums) and its constraints."""
    constraints = {key: prop[key] for key in _CONSTRAINTS if key in prop}
    if "$ref" in prop:
        ref = str(prop["$ref"]).rsplit("/", 1)[-1]
        target = definitions.get(ref, {})
        if "enum" in target:
            return ref, list(target["enum"]), constraints
        return ref, None, constraints
    if "enum" in prop:
        return "enum", list(prop["enum"]), constraints
    if "const" in prop:
        return "const", [prop["const"]], constraints
    options = prop.get("anyOf")
    if options:
        kinds = [option.get("type") for option in options]
        if "number" in kinds and "string" in kinds:  # a Decimal: number or decimal text
            number = options[kinds.index("number")]
            constraints.update({key: number[key] for key in _CONSTRAINTS if key in number})
            rest = [
                _describe(option, definitions)[0]
                for option in options
                if option.get("type") not in ("number", "string")
            ]
            return " | ".join(["decimal", *rest]), None, constraints
        names: list[str] = []
        values: list[Any] | None = None
        for option in options:
            name, option_values, option_constraints = _describe(option, definitions)
            names.append(name)
            constraints.update(option_constraints)
            values = values or option_values
        return " | ".join(names), values, constraints
    kind = prop.get("type", "any")
    if kind == "array":
        item, values, _ = _describe(prop.get("items", {}), definitions)
        return f"array[{item}]", values, constraints
    return str(kind), None, constraints


def _attribute_docs(doc: str) -> dict[str, str]:
    """``name: text`` lines of a Google-style ``Attributes:`` section, joined per name."""
    found: dict[str, str] = {}
    if "Attributes:" not in doc:
        return found
    section = doc.split("Attributes:", 1)[1]
    current = ""
    for line in section.splitlines():
        stripped = line.strip()
        if not stripped:
            if current:
                break
            continue
        head, sep, rest = stripped.partition(": ")
        names = [name.strip() for name in head.split(",")]
        indent = len(line) - len(line.lstrip())
        if sep and indent <= 4 and all(name.isidentifier() for name in names):
            current = ",".join(names)
            for name in names:
                found[name] = rest
        elif current:
            for name in current.split(","):
                found[name] += " " + stripped
    return found
