"""Pages and the lazy `AsyncPaginator` shared by every listing."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from typing import Any, Generic, TypeVar, overload

from .models._base import ParticleModel

__all__ = ["AsyncPaginator", "Page", "PageMeta"]

T = TypeVar("T")


class PageMeta(ParticleModel):
    """Pagination metadata the cloud sends next to a page of items."""

    page: int | None = None
    per_page: int | None = None
    total_pages: int | None = None
    total: int | None = None
    has_more: bool | None = None


class Page(Generic[T]):
    """One page of a listing: a sequence of items plus the cloud's metadata."""

    __slots__ = ("items", "meta", "number", "per_page")

    def __init__(
        self,
        items: list[T],
        *,
        meta: PageMeta | None = None,
        number: int | None = None,
        per_page: int | None = None,
    ) -> None:
        self.items = items
        self.meta = meta
        #: the page number this page was requested as (or the one the cloud reports)
        self.number = (meta.page if meta is not None and meta.page else None) or number or 1
        self.per_page = per_page or (meta.per_page if meta is not None else None)

    @property
    def next_page(self) -> int | None:
        """The number of the page after this one, or `None` when this is the last."""
        meta = self.meta
        if meta is not None:
            if meta.has_more is False:
                return None
            if meta.total_pages is not None:
                return self.number + 1 if self.number < meta.total_pages else None
            if meta.has_more:
                return self.number + 1
        if not self.items or self.per_page is None or len(self.items) < self.per_page:
            return None
        return self.number + 1

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> list[T]: ...
    def __getitem__(self, index: int | slice) -> T | list[T]:
        return self.items[index]

    def __repr__(self) -> str:
        return f"Page(number={self.number}, items={len(self.items)}, meta={self.meta!r})"


class AsyncPaginator(Generic[T]):
    """A lazy listing: `await` it for the first page, `async for` it for every item.

    `async for page in paginator.pages()` walks page by page. Pages are fetched only as they
    are reached, so breaking out of the loop stops further requests.
    """

    __slots__ = ("_fetch", "_first")

    def __init__(
        self, fetch: Callable[[int | None], Awaitable[Page[T]]], *, first_page: int | None = None
    ) -> None:
        self._fetch = fetch
        self._first = first_page

    def __await__(self) -> Generator[Any, None, Page[T]]:
        return self._fetch(self._first).__await__()

    def pages(self) -> AsyncIterator[Page[T]]:
        """Iterate over pages, fetching each when it is reached."""
        return _PageIterator(self._fetch, self._first)

    def __aiter__(self) -> AsyncIterator[T]:
        return _ItemIterator(_PageIterator(self._fetch, self._first))


class _PageIterator(AsyncIterator[Page[T]]):
    __slots__ = ("_fetch", "_next", "_started")

    def __init__(self, fetch: Callable[[int | None], Awaitable[Page[T]]], first: int | None):
        self._fetch = fetch
        self._next = first
        self._started = False

    async def __anext__(self) -> Page[T]:
        if self._started and self._next is None:
            raise StopAsyncIteration
        page = await self._fetch(self._next)
        self._started = True
        following = page.next_page
        self._next = following if following is not None and following > page.number else None
        return page


class _ItemIterator(AsyncIterator[T]):
    __slots__ = ("_items", "_pages")

    def __init__(self, pages: _PageIterator[T]) -> None:
        self._pages = pages
        self._items: Iterator[T] = iter(())

    async def __anext__(self) -> T:
        while True:
            for item in self._items:
                return item
            page = await self._pages.__anext__()
            self._items = iter(page.items)
