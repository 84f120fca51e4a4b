"""The base class of every sub-client: its one seam to the request path."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, TypeVar

from .._exceptions import InvalidArgumentError
from .._pagination import AsyncPaginator, NextQuery, ParsedPage, paginate, paginate_by_query
from .._paths import scope_prefix
from ._checks import org_prefix

if TYPE_CHECKING:
    from .._core import Core
    from ..types import ProductRef, QueryValue

__all__ = ["Resource"]

T = TypeVar("T")


class Resource:
    """A group of API operations, sharing its client's connection pool and configuration.

    Resources build and check paths, queries and bodies, then hand them to the client's
    `Core`: `_request` (JSON calls, the same function as `ParticleClient.request`),
    `_download` (binary bodies), `_paginate` (listings) or, for event streams, the `Core`
    itself. They never touch httpx, sleep or catch errors. `_name` is the attribute path the
    sub-client is reached by (`"products.firmware"`); operation labels derive from it.
    """

    __slots__ = ("__dict__", "_core", "_download", "_name", "_request")

    def __init__(self, core: Core, name: str) -> None:
        self._core = core
        self._name = name
        self._request = core.request
        self._download = core.download

    def __repr__(self) -> str:
        return f"<{type(self).__name__} client.{self._name} of {self._core.base_url}>"

    def _paginate(
        self,
        path: str,
        parse: Callable[[bytes], ParsedPage[T]],
        *,
        params: Mapping[str, QueryValue | None] | None = None,
        page: int | None = None,
        per_page: int | None = None,
        page_param: str = "page",
        size_param: str = "per_page",
    ) -> AsyncPaginator[T]:
        """The lazy paginator of a `GET` listing (see `paginate`)."""
        return paginate(
            self._request,
            path,
            parse,
            params=params,
            page=page,
            per_page=per_page,
            page_param=page_param,
            size_param=size_param,
            max_pages=self._core.max_pages,
        )

    def _paginate_by_query(
        self,
        path: str,
        parse: Callable[[bytes], ParsedPage[T]],
        next_query: NextQuery[T],
        *,
        params: Mapping[str, QueryValue | None] | None = None,
    ) -> AsyncPaginator[T]:
        """The lazy paginator of a `GET` listing that moves by its query (see
        `paginate_by_query`)."""
        return paginate_by_query(
            self._request,
            path,
            parse,
            next_query,
            params=params,
            max_pages=self._core.max_pages,
        )

    def _require_product(self, product: ProductRef | None) -> ProductRef:
        """`product`, which this operation cannot do without."""
        if product is None:
            raise InvalidArgumentError(
                f"{self._operation(2)} needs product= (a product id or slug)"
            )
        return product

    def _product_prefix(self, product: ProductRef | None) -> str:
        """`/v1/products/<product>` for an operation that needs `product=`."""
        if product is None:
            raise InvalidArgumentError(
                f"{self._operation(2)} needs product= (a product id or slug)"
            )
        return scope_prefix(product)

    def _org_prefix(self, org: str | None) -> str:
        """`/v1/orgs/<org>` for an operation that needs `org=`."""
        if org is None:
            raise InvalidArgumentError(
                f"{self._operation(2)} needs org= (an organization id or slug)"
            )
        return org_prefix(org)

    def _operation(self, depth: int) -> str:
        """The label of the public method `depth` frames up: `"products.firmware.list()"`."""
        return f"{self._name}.{sys._getframe(depth).f_code.co_name}()"
