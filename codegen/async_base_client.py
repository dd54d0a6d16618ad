"""Base class of the generated asynchronous client.

ariadne-codegen copies this file into ``generated/volt_sdk_graphql``. The generated
methods only build a GraphQL document and its variables; everything about the
wire (auth, JSON, HTTP status, GraphQL errors, retries) belongs to the executor
that ``volt_sdk`` passes in. The asynchronous and the blocking clients therefore
share every rule, and only the I/O call differs.
"""

from typing import Any, Protocol

from pydantic import BaseModel as PydanticBaseModel

from .base_model import UNSET


class AsyncExecutor(Protocol):
    async def execute(
        self, query: str, operation_name: str, variables: dict[str, Any]
    ) -> dict[str, Any]: ...


def _convert_value(value: Any) -> Any:
    if isinstance(value, PydanticBaseModel):
        return value.model_dump(by_alias=True, exclude_unset=True)
    if isinstance(value, list):
        return [_convert_value(item) for item in value]
    return value


def prepare_variables(variables: dict[str, Any] | None) -> dict[str, Any]:
    """Drop arguments left UNSET, so that "not given" is never sent as null."""
    if not variables:
        return {}
    return {key: _convert_value(value) for key, value in variables.items() if value is not UNSET}


class AsyncBaseClient:
    def __init__(self, executor: AsyncExecutor) -> None:
        self._executor = executor

    async def execute(
        self,
        query: str,
        operation_name: str | None = None,
        variables: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        return await self._executor.execute(
            query, operation_name or "", prepare_variables(variables)
        )

    def get_data(self, response: dict[str, Any]) -> dict[str, Any]:
        # The executor has already checked the HTTP status and GraphQL errors.
        return response
