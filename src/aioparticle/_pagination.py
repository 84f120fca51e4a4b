"""Pages and the lazy `AsyncPaginator` shared by every listing."""

from __future__ import annotations

import json
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Generator,
    Iterator,
    Mapping,
    Sequence,
)
from functools import partial
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from pydantic import TypeAdapter

from ._exceptions import InvalidArgumentError, PageLimitError
from ._paths import positive_int
from .models._base import ParticleModel

if TYPE_CHECKING:
    from .types import QueryValue

__all__ = [
    "DEFAULT_MAX_PAGES",
    "MAX_PER_PAGE",
    "AsyncPaginator",
    "NextQuery",
    "Page",
    "PageMeta",
    "ParsedPage",
    "page_parser",
    "page_size",
    "paginate",
    "paginate_by_query",
]

#: Most items Particle serves in one page of a listing.
MAX_PER_PAGE = 100
#: Pages one walk fetches at most (`ParticleClient(max_pages=...)` changes it): a server that
#: keeps announcing more pages cannot make a walk endless.
DEFAULT_MAX_PAGES = 1000


def page_size(per_page: object) -> int:
    """Check a page size: an int from 1 to `MAX_PER_PAGE`."""
    size = positive_int(per_page, "per_page")
    if size > MAX_PER_PAGE:
        raise InvalidArgumentError(
            f"per_page must be at most {MAX_PER_PAGE} (Particle's largest page), got {size}"
        )
    return size


T = TypeVar("T")


class PageMeta(ParticleModel):
    """Pagination metadata the cloud sends next to a page of items."""

    page: int | None = None
    """The number of this page (from 1)."""
    per_page: int | None = None
    """How many items a page holds."""
    total_pages: int | None = None
    """How many pages the listing has."""
    total: int | None = None
    """How many items the listing has, when the cloud says."""
    has_more: bool | None = None
    """Whether more items follow (listings that move by time window)."""


class Page(Generic[T]):
    """One page of a listing: a sequence of items plus the cloud's metadata.

    Most listings move from page to page by page number (`next_page`). A listing that moves by
    changing its query instead (the versions of a ledger instance move a time window) names
    the query of its next request in `next_query`.
    """

    __slots__ = ("_by_query", "extra", "items", "meta", "next_query", "number", "per_page")

    def __init__(
        self,
        items: list[T],
        *,
        meta: PageMeta | None = None,
        number: int | None = None,
        per_page: int | None = None,
        next_query: Mapping[str, QueryValue] | None = None,
        by_query: bool = False,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        self.items = items
        self.meta = meta
        #: what the cloud sent beside the items that a listing keeps (the customers listing's
        #: `devices`), as sent; empty for the others
        self.extra: dict[str, Any] = dict(extra) if extra else {}
        #: the page number this page was requested as (or the one the cloud reports); for a
        #: listing that moves by query, its place in the walk (1, 2, ...)
        self.number = (meta.page if meta is not None and meta.page else None) or number or 1
        self.per_page = per_page or (meta.per_page if meta is not None else None)
        #: the query of the request for the next page of a listing that moves by query, or
        #: `None` (the last page, or a listing that moves by page number)
        self.next_query = None if next_query is None else dict(next_query)
        self._by_query = by_query

    @property
    def next_page(self) -> int | None:
        """The number of the page after this one, or `None` when this is the last (an empty
        page is the last, whatever the metadata claims)."""
        if not self.items:
            return None
        if self._by_query:
            return self.number + 1 if self.next_query is not None else None
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


#: Fetches one page when called (a request not yet sent).
_Step = Callable[[], Awaitable[Page[T]]]
#: Given a page, the step fetching the page after it, or `None` when it was the last.
_After = Callable[[Page[T]], "_Step[T] | None"]


class AsyncPaginator(Generic[T]):
    """A lazy listing: `await` it for the first page, `async for` it for every item.

    `async for page in paginator.pages()` walks page by page. Pages are fetched only as they
    are reached, so breaking out of the loop stops further requests.
    """

    __slots__ = ("_after", "_label", "_max_pages", "_start")

    def __init__(
        self,
        fetch: Callable[[int | None], Awaitable[Page[T]]],
        *,
        first_page: int | None = None,
        max_pages: int = DEFAULT_MAX_PAGES,
        label: str = "",
    ) -> None:
        """Walk a listing by page number: `fetch(number)` fetches one page (`None`: the first
        page, with no page number sent), starting from `first_page`. `label` names the
        listing in the `repr` (`"GET /v1/devices"`)."""
        self._walk(partial(fetch, first_page), partial(_next_numbered, fetch), max_pages, label)

    def _walk(self, start: _Step[T], after: _After[T], max_pages: int, label: str) -> None:
        self._start = start
        self._after = after
        self._max_pages = max_pages
        self._label = label

    def __repr__(self) -> str:
        label = f" {self._label}" if self._label else ""
        return f"<AsyncPaginator{label}>"

    @classmethod
    def by_query(
        cls,
        fetch: Callable[[dict[str, QueryValue], int], Awaitable[Page[T]]],
        query: Mapping[str, QueryValue],
        *,
        max_pages: int = DEFAULT_MAX_PAGES,
        label: str = "",
    ) -> AsyncPaginator[T]:
        """Walk a listing that moves by changing its query: `fetch(query, number)` fetches the
        `number`-th page of the walk with `query`, starting from `query`; each page names the
        query of the next in `Page.next_query`."""
        paginator = cls.__new__(cls)
        paginator._walk(
            partial(fetch, dict(query), 1), partial(_next_by_query, fetch), max_pages, label
        )
        return paginator

    def __await__(self) -> Generator[Any, None, Page[T]]:
        return self._start().__await__()

    def pages(self) -> AsyncIterator[Page[T]]:
        """Iterate over pages, fetching each when it is reached. A walk stops at the first
        empty page and raises `PageLimitError` past the client's `max_pages`."""
        return _PageIterator(self._start, self._after, self._max_pages, self._label)

    def __aiter__(self) -> AsyncIterator[T]:
        return _ItemIterator(_PageIterator(self._start, self._after, self._max_pages, self._label))


def _next_numbered(
    fetch: Callable[[int | None], Awaitable[Page[T]]], page: Page[T]
) -> _Step[T] | None:
    """The page after `page` by number: never one at or before it (a page number that does not
    grow ends the walk)."""
    following = page.next_page
    if following is None or following <= page.number:
        return None
    return partial(fetch, following)


def _next_by_query(
    fetch: Callable[[dict[str, QueryValue], int], Awaitable[Page[T]]], page: Page[T]
) -> _Step[T] | None:
    if page.next_query is None or page.next_page is None:
        return None
    return partial(fetch, page.next_query, page.next_page)


class _PageIterator(AsyncIterator[Page[T]]):
    __slots__ = ("_after", "_fetched", "_label", "_max_pages", "_step")

    def __init__(self, start: _Step[T], after: _After[T], max_pages: int, label: str) -> None:
        self._step: _Step[T] | None = start
        self._after = after
        self._fetched = 0
        self._max_pages = max_pages
        self._label = label

    def __repr__(self) -> str:
        return f"<pages of{_shown(self._label)} fetched={self._fetched}{_done(self._step)}>"

    async def __anext__(self) -> Page[T]:
        if self._step is None:
            raise StopAsyncIteration
        if self._fetched >= self._max_pages:
            raise PageLimitError(self._max_pages)
        page = await self._step()
        self._fetched += 1
        self._step = self._after(page)
        return page


class _ItemIterator(AsyncIterator[T]):
    __slots__ = ("_items", "_pages")

    def __init__(self, pages: _PageIterator[T]) -> None:
        self._pages = pages
        self._items: Iterator[T] = iter(())

    def __repr__(self) -> str:
        pages = self._pages
        return (
            f"<items of{_shown(pages._label)} pages_fetched={pages._fetched}{_done(pages._step)}>"
        )

    async def __anext__(self) -> T:
        while True:
            for item in self._items:
                return item
            page = await self._pages.__anext__()
            self._items = iter(page.items)


def _shown(label: str) -> str:
    return f" {label}" if label else " a listing"


def _done(step: object) -> str:
    return " done" if step is None else ""


#: What a page parser returns: the items and the metadata, if the cloud sent any (a parser
#: that keeps what was sent beside the items adds it as a third member: see `page_parser`).
ParsedPage = tuple[list[T], "PageMeta | None"] | tuple[list[T], "PageMeta | None", dict[str, Any]]


def _extra_of(parsed: ParsedPage[T]) -> dict[str, Any] | None:
    return parsed[2] if len(parsed) > 2 else None


@overload
def page_parser(item: Any, key: str) -> Callable[[bytes], tuple[list[Any], PageMeta | None]]: ...
@overload
def page_parser(
    item: Any, key: str, *, keep: Sequence[str]
) -> Callable[[bytes], ParsedPage[Any]]: ...
def page_parser(
    item: Any, key: str, *, keep: Sequence[str] = ()
) -> Callable[[bytes], ParsedPage[Any]]:
    """A parser for one page of `item`s in any shape the cloud uses for listings.

    Accepts a bare JSON array, an object holding the array under `key` (with an optional
    `meta`), and a JSON:API document (`{"data": [...], "meta": ...}`). The values of the `keep`
    keys sent beside the items end up, as sent, in `Page.extra`.
    """
    items: TypeAdapter[list[Any]] = TypeAdapter(list[item])
    validate_items = items.validate_python
    validate_meta = PageMeta.model_validate

    def parse(content: bytes) -> ParsedPage[Any]:
        body = json.loads(content) if content.strip() else []
        if isinstance(body, list):
            return validate_items(body), None
        if not isinstance(body, dict):
            raise ValueError(f"expected a JSON array or object, got {type(body).__name__}")
        for name in (key, "data"):
            if name in body:
                raw_meta = body.get("meta")
                meta = validate_meta(raw_meta) if isinstance(raw_meta, dict) else None
                if keep:
                    extra = {k: body[k] for k in keep if k in body}
                    return validate_items(body[name] or []), meta, extra
                return validate_items(body[name] or []), meta
        raise ValueError(f"expected the list under {key!r}")

    return parse


#: The request function a paginator fetches pages with (`Core.request`).
Fetch = Callable[..., Awaitable[Any]]


def paginate(
    request: Fetch,
    path: str,
    parse: Callable[[bytes], ParsedPage[T]],
    *,
    params: Mapping[str, QueryValue | None] | None = None,
    page: int | None = None,
    per_page: int | None = None,
    page_param: str = "page",
    size_param: str = "per_page",
    max_pages: int = DEFAULT_MAX_PAGES,
) -> AsyncPaginator[T]:
    """The paginator of a `GET` listing that takes a page number in `page_param` and a page
    size in `size_param`; `page` and `per_page` are checked here, before any request.

    The first request sends exactly `params` (then the page size, and `page` when given); later
    ones add the next page number. Without `per_page` and without paging metadata, the size of
    the first page is taken as the page size, so a short page still ends the walk.
    """
    query = {k: v for k, v in (params or {}).items() if v is not None}
    if per_page is not None:
        query[size_param] = page_size(per_page)
    if page is not None:
        positive_int(page, "page")
    size = per_page
    previous: list[T] | None = None

    async def fetch(number: int | None) -> Page[T]:
        nonlocal size, previous
        sent = query if number is None else {**query, page_param: number}
        parsed = await request("GET", path, parse, params=sent)
        items, meta = parsed[0], parsed[1]
        paged = meta is not None and (meta.total_pages is not None or meta.has_more is not None)
        if not paged:
            first = number in (None, page)
            if not first and previous is not None and items and items == previous:
                items = []  # the server ignores the page number: the walk is over
            elif first and per_page is None:
                size = len(items) or None
            previous = items
        return Page(items, meta=meta, number=number, per_page=size, extra=_extra_of(parsed))

    return AsyncPaginator(
        fetch, first_page=page, max_pages=max_pages, label=_label(path, query, size_param)
    )


def _label(path: str, query: Mapping[str, object], size_param: str = "") -> str:
    """How a paginator shows its listing: the route, its page size and the names of the
    filters sent (not their values)."""
    label = f"GET {path}"
    size = query.get(size_param) if size_param else None
    if size is not None:
        label += f" {size_param}={size}"
    filters = sorted(k for k in query if k != size_param)
    if filters:
        label += f" filtered by {', '.join(filters)}"
    return label


#: Given the query a page was fetched with and its items, the query of the next request (or
#: `None`: the items give no way further).
NextQuery = Callable[[Mapping[str, "QueryValue"], list[T]], "Mapping[str, QueryValue] | None"]


def paginate_by_query(
    request: Fetch,
    path: str,
    parse: Callable[[bytes], ParsedPage[T]],
    next_query: NextQuery[T],
    *,
    params: Mapping[str, QueryValue | None] | None = None,
    max_pages: int = DEFAULT_MAX_PAGES,
) -> AsyncPaginator[T]:
    """The paginator of a `GET` listing that moves by changing its query (a time window, say)
    instead of a page number.

    The first request sends exactly `params`. While a page says `meta.has_more`,
    `next_query(sent, items)` gives the query of the next request. The walk stops on a page
    without `has_more`, on an empty page, when `next_query` gives `None`, or when it gives
    the query just sent (a window that does not move would fetch the same page forever).
    """
    query = {k: v for k, v in (params or {}).items() if v is not None}

    async def fetch(sent: dict[str, QueryValue], number: int) -> Page[T]:
        items, meta = await request("GET", path, parse, params=sent)
        following: dict[str, QueryValue] | None = None
        if items and meta is not None and meta.has_more:
            candidate = next_query(sent, items)
            if candidate is not None and dict(candidate) != sent:
                following = dict(candidate)
        return Page(items, meta=meta, number=number, next_query=following, by_query=True)

    return AsyncPaginator.by_query(
        fetch, query, max_pages=max_pages, label=f"{_label(path, query)}, by query"
    )
