"""What ``execute()`` must know of a caller's GraphQL document before sending it.

Whether it is a query or a mutation decides the retry rule (a mutation is never
resent after an ambiguous failure), and how many ``createMessage`` fields it
holds decides what it costs against the client's ``max_rate``. A small scanner
reads that much without a GraphQL parser (graphql-core is not a dependency of
the core install); when it cannot tell, the document is treated as a mutation,
the safe side. No I/O.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any, Final, cast

from volt_sdk._errors import ValidationError
from volt_sdk._text import describe_value
from volt_sdk._wire import Operation

__all__ = ["check_variables", "document_operation"]

# Comments, strings and block strings: removed before scanning, so that a brace
# or a keyword inside them is not read as structure.
_IGNORED: Final = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|"(?:[^"\\\n]|\\.)*"|#[^\n]*')
_TOKEN: Final = re.compile(r"[_A-Za-z][_0-9A-Za-z]*|[{}()]|\S")
_KINDS: Final = frozenset({"query", "mutation", "subscription"})
_SEND_FIELD: Final = re.compile(r"\bcreateMessage\b")


def document_operation(query: object, operation_name: object) -> Operation:
    """The :class:`Operation` to run ``query`` as, or a :class:`ValidationError`."""
    if not isinstance(query, str) or not query.strip():
        raise ValidationError(
            f"query: expected a GraphQL document (a non-empty str), got {describe_value(query)}",
            argument="query",
            value=query,
            reason="empty" if isinstance(query, str) else "wrong_type",
        )
    if operation_name is not None and (
        not isinstance(operation_name, str) or not operation_name.strip()
    ):
        raise ValidationError(
            "operation_name: expected the name of an operation of the document, or None, "
            f"got {describe_value(operation_name)}",
            argument="operation_name",
            value=operation_name,
            reason="wrong_type",
        )
    text = _IGNORED.sub(" ", query)
    operations = _operations(text)
    if not operations:
        raise ValidationError(
            "query: the document holds no operation (query, mutation or `{ ... }`)",
            argument="query",
            value=query,
            reason="no_operation",
        )
    if operation_name is None:
        if len(operations) > 1:
            names = ", ".join(name or "(anonymous)" for _, name in operations)
            raise ValidationError(
                f"operation_name: the document holds {len(operations)} operations ({names}); "
                "say which one to run",
                argument="operation_name",
                value=None,
                reason="ambiguous",
            )
        kind, shown = operations[0]
    else:
        shown = operation_name
        kinds = [kind for kind, name in operations if name == operation_name]
        if not kinds:
            raise ValidationError(
                f"operation_name: the document has no operation named {operation_name!r}",
                argument="operation_name",
                value=operation_name,
                reason="not_found",
            )
        kind = kinds[0]
    if kind == "subscription":
        raise ValidationError(
            "query: subscriptions cannot run over a single HTTP request; use a query or mutation",
            argument="query",
            value=query,
            reason="subscription",
        )
    is_mutation = kind != "query"  # "unknown" counts as a mutation: the safe side
    sends = len(_SEND_FIELD.findall(text)) if is_mutation else 0
    return Operation(
        query,
        operation_name,
        rate_limited=sends > 0,
        is_mutation=is_mutation,
        generated=False,
        sends=sends,
        name=shown,
    )


def _operations(text: str) -> list[tuple[str, str | None]]:
    """``(kind, name)`` of each operation at the top level of ``text``.

    ``kind`` is ``query``, ``mutation``, ``subscription``, or ``unknown`` when
    the braces do not balance (then the whole document is one unknown operation).
    """
    found: list[tuple[str, str | None]] = []
    depth = 0
    parens = 0  # variable definitions: `($query: String)` names no operation
    tokens = _TOKEN.findall(text)
    for index, token in enumerate(tokens):
        if token == "(":
            parens += 1
        elif token == ")":
            parens -= 1
        elif parens:
            continue
        elif token == "{":
            if depth == 0 and (index == 0 or tokens[index - 1] == "}"):
                found.append(("query", None))  # the `{ ... }` shorthand
            depth += 1
        elif token == "}":
            depth -= 1
            if depth < 0:
                return [("unknown", None)]
        elif depth == 0 and token in _KINDS:
            following = tokens[index + 1] if index + 1 < len(tokens) else ""
            name = following if following[:1].isalpha() or following[:1] == "_" else None
            found.append((token, name))
    if depth != 0:
        return [("unknown", None)]
    return found


def check_variables(variables: object) -> Mapping[str, Any]:
    """``variables`` (None: empty) if it is a mapping with str keys, else a ValidationError.

    Whether the values can be sent as JSON is checked when the body is encoded.
    """
    if variables is None:
        return {}
    if not isinstance(variables, Mapping):
        raise ValidationError(
            f"variables: expected a mapping of variable names to values, "
            f"got {describe_value(variables)}",
            argument="variables",
            value=variables,
            reason="wrong_type",
        )
    checked = cast("Mapping[object, object]", variables)
    for key, value in checked.items():
        if not isinstance(key, str):
            raise ValidationError(
                f"variables: every name must be a str, got {describe_value(key)}",
                argument="variables",
                value=key,
                reason="wrong_type",
            )
        if isinstance(value, float) and not math.isfinite(value):
            raise ValidationError(
                f"variables[{key!r}]: {value!r} cannot be sent as JSON",
                argument=f"variables[{key!r}]",
                value=value,
                reason="not_json",
            )
    return cast("Mapping[str, Any]", checked)
