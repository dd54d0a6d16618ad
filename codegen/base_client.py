"""Base class of the generated blocking client.

ariadne-codegen copies this file into ``generated/volt_sdk_graphql``. It mirrors
``async_base_client.py``: the generated methods build the document and
variables, and the executor passed in by ``volt_sdk`` does the wire work.
"""

from typing import Any, Protocol

from .async_base_client import prepare_variables


class Executor(Protocol):
    def execute(
        self, query: str, operation_name: str, variables: dict[str, Any]
    ) -> dict[str, Any]: ...


class BaseClient:
    def __init__(self, executor: Executor) -> None:
        self._executor = executor

    def execute(
        self,
        query: str,
        operation_name: str | None = None,
        variables: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        return self._executor.execute(query, operation_name or "", prepare_variables(variables))

    def get_data(self, response: dict[str, Any]) -> dict[str, Any]:
        return response
