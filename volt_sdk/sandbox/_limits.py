"""What one request may cost the sandbox: its body, its query, and the response it builds.

A sandbox runs on a developer's machine, often beside the tests that call it:
one request must not be able to take all its memory or stall it for minutes.
Each limit refuses with a GraphQL ``errors`` body (docs/sandbox.md, Limits):

* the body: at most :data:`MAX_BODY` bytes, and JSON nested at most as deep as
  Python's parser goes (deeper is a 400, not a crash);
* the query, before it runs: at most :data:`MAX_QUERY_LENGTH` characters,
  :data:`MAX_FIELDS` fields and :data:`MAX_DEPTH` levels of nesting
  (:func:`cost_refusal`), checked before validation too, whose overlap check
  grows with the square of the number of fields;
* the response, while it is built: :class:`BudgetedExecution` stops the
  execution once the result passes :data:`MAX_RESPONSE` bytes, because lists
  multiply what a query selects and stored texts can be long (a query cannot
  know the size of the data it reads).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, cast

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from graphql.execution import ExecutionContext
from graphql.pyutils import AwaitableOrValue, Path

__all__ = [
    "FIELD_COST",
    "MAX_BODY",
    "MAX_DEPTH",
    "MAX_FIELDS",
    "MAX_QUERY_LENGTH",
    "MAX_RESPONSE",
    "QUERY_TOO_COMPLEX",
    "RESPONSE_TOO_LARGE",
    "BudgetedExecution",
    "ResponseTooLargeError",
    "cost_refusal",
]

MAX_BODY: Final = 1 << 20
"""Bytes of a request body (a message body of about a million characters fits)."""

MAX_QUERY_LENGTH: Final = 64 << 10
"""Characters of a query document. The client's largest operation, fragments included, is
under 3 000; the introspection query under 1 500."""

MAX_FIELDS: Final = 500
"""Fields an operation selects, each alias and each use of a fragment counted: the
introspection query selects 220, the client's largest operation 28."""

MAX_DEPTH: Final = 20
"""Levels of nested selections (``{ a { b } }`` is 2): introspection needs 15."""

MAX_RESPONSE: Final = 16 << 20
"""Bytes of a response: a conversation page of 20 messages of 800 000 characters fits."""

FIELD_COST: Final = 32
"""What a field counts towards :data:`MAX_RESPONSE` besides its text: its name, quotes and
punctuation in the JSON, and roughly what Python holds for it while the result is built."""

QUERY_TOO_COMPLEX: Final = "QUERY_TOO_COMPLEX"
RESPONSE_TOO_LARGE: Final = "RESPONSE_TOO_LARGE"


def cost_refusal(query: str, document: DocumentNode | None = None) -> str | None:
    """Why the query may not run, or None. Without ``document``, only its length is checked."""
    if len(query) > MAX_QUERY_LENGTH:
        return (
            f"the query is {len(query)} characters long; the sandbox runs queries of up to "
            f"{MAX_QUERY_LENGTH} characters"
        )
    if document is None:
        return None
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    measure = _Measure(fragments)
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        try:
            fields, depth = measure.selections(definition.selection_set)
        except RecursionError:
            # Fragments spread in a chain too long to follow: deeper than any limit.
            fields, depth = 0, MAX_DEPTH + 1
        if depth > MAX_DEPTH:
            return (
                f"the query nests its selections {depth} levels deep; the sandbox runs "
                f"queries of up to {MAX_DEPTH}"
            )
        if fields > MAX_FIELDS:
            return (
                f"the query selects {fields} fields (each alias and each use of a fragment "
                f"counts); the sandbox runs queries of up to {MAX_FIELDS}"
            )
    return None


class _Measure:
    """Fields and depth of selection sets, each fragment measured once however often used."""

    def __init__(self, fragments: Mapping[str, FragmentDefinitionNode]) -> None:
        self._fragments = fragments
        self._measured: dict[str, tuple[int, int]] = {}
        self._open: set[str] = set()

    def selections(self, selection_set: SelectionSetNode) -> tuple[int, int]:
        fields = depth = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                inner, below = (
                    (0, 0)
                    if selection.selection_set is None
                    else self.selections(selection.selection_set)
                )
                fields += 1 + inner
                depth = max(depth, 1 + below)
            elif isinstance(selection, InlineFragmentNode):
                inner, below = self.selections(selection.selection_set)
                fields += inner
                depth = max(depth, below)
            elif isinstance(selection, FragmentSpreadNode):
                inner, below = self._fragment(selection.name.value)
                fields += inner
                depth = max(depth, below)
        return fields, depth

    def _fragment(self, name: str) -> tuple[int, int]:
        measured = self._measured.get(name)
        if measured is not None:
            return measured
        definition = self._fragments.get(name)
        if definition is None or name in self._open:
            # Unknown or cyclic: validation, which runs next, refuses the document.
            return 0, 0
        self._open.add(name)
        try:
            measured = self.selections(definition.selection_set)
        finally:
            self._open.discard(name)
        self._measured[name] = measured
        return measured


class ResponseTooLargeError(BaseException):
    """The result passed :data:`MAX_RESPONSE`.

    A BaseException, because graphql-core turns every Exception a field raises into
    an error of that field and carries on with the next one: this one must stop
    the whole execution, and does not ask for a traceback.
    """


class BudgetedExecution(ExecutionContext):
    """graphql-core's execution, stopped by :class:`ResponseTooLargeError` once the result
    it builds passes :data:`MAX_RESPONSE` bytes (counted as :data:`FIELD_COST` per field
    plus the length of its text)."""

    remaining: int = MAX_RESPONSE

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_nodes: list[FieldNode],
        path: Path,
    ) -> AwaitableOrValue[Any]:
        result = super().execute_field(parent_type, source, field_nodes, path)
        # Inlined for strings: this runs for every field of every response.
        if type(result) is str:
            self.remaining -= FIELD_COST + len(result)
        else:
            self.remaining -= FIELD_COST + _list_text_length(result)
        if self.remaining < 0:
            raise ResponseTooLargeError
        return result


def _list_text_length(value: object) -> int:
    """The characters of a list of strings (``media``); 0 for anything else."""
    if isinstance(value, list):
        items = cast("list[object]", value)
        return sum(len(item) for item in items if isinstance(item, str))
    return 0
