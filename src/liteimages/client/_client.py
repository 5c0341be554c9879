"""Synchronous and asynchronous clients for the catalog calls and the admin API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote

import httpx

from liteimages.client._config import Settings
from liteimages.client._errors import ApiError, ConfigError
from liteimages.client._models import Flavor, Image, Page

DEFAULT_TIMEOUT = 30.0
WALK_PAGE_SIZE = 1024

JsonObject = dict[str, Any]


def _image_params(
    server_type: str | None = None,
    flavor_name: str | None = None,
    arch: str | None = None,
    status: str | None = None,
    name: str | None = None,
    limit: int | None = None,
    offset: int | None = None,
    sort_key: str | None = None,
    sort_dir: str | None = None,
) -> dict[str, str]:
    values = {
        "server_type": server_type, "flavor_name": flavor_name, "arch": arch, "status": status,
        "name": name, "limit": limit, "offset": offset, "sort_key": sort_key, "sort_dir": sort_dir,
    }  # fmt: skip
    return {key: str(value) for key, value in values.items() if value is not None}


def _flavor_params(
    server_type: str | None, arch: str | None, charging_mode: str | None,
    limit: int | None, offset: int | None,
) -> dict[str, str]:  # fmt: skip
    values = {
        "server_type": server_type, "arch": arch, "charging_mode": charging_mode,
        "limit": limit, "offset": offset,
    }  # fmt: skip
    return {key: str(value) for key, value in values.items() if value is not None}


def _with_query(path: str, params: Mapping[str, str]) -> str:
    """Append `params` percent-encoded as the signer expects: a space is %20, never +.

    httpx would encode a space as "+", which the catalog API reads as a literal plus.
    """
    if not params:
        return path
    query = "&".join(
        f"{quote(key, safe='~')}={quote(value, safe='~')}" for key, value in params.items()
    )
    return f"{path}?{query}"


def _checked(response: httpx.Response) -> httpx.Response:
    if response.status_code >= 400:
        raise ApiError(response)
    return response


def _image_page(data: Mapping[str, Any]) -> Page[Image]:
    return Page(
        current=int(data["current"]),
        pages=int(data["pages"]),
        size=int(data["size"]),
        total=int(data["total"]),
        data=[Image.from_json(item) for item in data["data"]],
    )


def _flavor_page(data: Mapping[str, Any]) -> Page[Flavor]:
    return Page(
        current=int(data["current"]),
        pages=int(data["pages"]),
        size=int(data["size"]),
        total=int(data["total"]),
        data=[Flavor.from_json(item) for item in data["data"]],
    )


class _Base:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.endpoint = settings.require_endpoint()
        self._auth = settings.auth()

    def _project(self) -> str:
        if not self.settings.project_id:
            raise ConfigError("no project id: give --project-id or HUAWEICLOUD_SDK_PROJECT_ID")
        return self.settings.project_id

    def _catalog_path(self, *parts: str) -> str:
        return "/".join(("", "v1", self._project(), "dev-servers", *parts))


class Client(_Base):
    """A blocking client; use it as a context manager or call `close()`."""

    def __init__(self, settings: Settings, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        super().__init__(settings)
        self._http = httpx.Client(base_url=self.endpoint, auth=self._auth, timeout=timeout)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def list_images(self, **filters: Any) -> Page[Image]:
        """Call ListDevServerImages with the given filters, order and page."""
        response = self._http.get(
            _with_query(self._catalog_path("images"), _image_params(**filters))
        )
        return _image_page(_checked(response).json())

    def iter_images(self, **filters: Any) -> Iterator[Image]:
        """Yield every matching image, walking the pages with limit and offset."""
        filters = {key: value for key, value in filters.items() if key not in ("limit", "offset")}
        offset = 0
        while True:
            page = self.list_images(limit=WALK_PAGE_SIZE, offset=offset, **filters)
            yield from page.data
            offset += WALK_PAGE_SIZE
            if offset >= page.total or not page.data:
                return

    def get_image(self, image_id: str) -> Image:
        """Call GetDevServerImage."""
        response = self._http.get(self._catalog_path("images", image_id))
        return Image.from_json(_checked(response).json())

    def list_flavors(
        self,
        server_type: str | None = None,
        arch: str | None = None,
        charging_mode: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> Page[Flavor]:
        """Call ListDevServerFlavors."""
        params = _flavor_params(server_type, arch, charging_mode, limit, offset)
        response = self._http.get(_with_query(self._catalog_path("flavors"), params))
        return _flavor_page(_checked(response).json())

    def admin(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        if_match: str | None = None,
    ) -> httpx.Response:
        """Call the admin API at `/admin/v1/<path>` and return the checked response."""
        headers = {"If-Match": if_match} if if_match else None
        url = _with_query("/admin/v1/" + path.lstrip("/"), params or {})
        response = self._http.request(method, url, json=json, headers=headers)
        return _checked(response)


class AsyncClient(_Base):
    """An asyncio client with the same calls as `Client`."""

    def __init__(self, settings: Settings, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        super().__init__(settings)
        self._http = httpx.AsyncClient(base_url=self.endpoint, auth=self._auth, timeout=timeout)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def list_images(self, **filters: Any) -> Page[Image]:
        """Call ListDevServerImages with the given filters, order and page."""
        response = await self._http.get(
            _with_query(self._catalog_path("images"), _image_params(**filters))
        )
        return _image_page(_checked(response).json())

    async def iter_images(self, **filters: Any) -> AsyncIterator[Image]:
        """Yield every matching image, walking the pages with limit and offset."""
        filters = {key: value for key, value in filters.items() if key not in ("limit", "offset")}
        offset = 0
        while True:
            page = await self.list_images(limit=WALK_PAGE_SIZE, offset=offset, **filters)
            for image in page.data:
                yield image
            offset += WALK_PAGE_SIZE
            if offset >= page.total or not page.data:
                return

    async def get_image(self, image_id: str) -> Image:
        """Call GetDevServerImage."""
        response = await self._http.get(self._catalog_path("images", image_id))
        return Image.from_json(_checked(response).json())

    async def list_flavors(
        self,
        server_type: str | None = None,
        arch: str | None = None,
        charging_mode: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> Page[Flavor]:
        """Call ListDevServerFlavors."""
        params = _flavor_params(server_type, arch, charging_mode, limit, offset)
        response = await self._http.get(_with_query(self._catalog_path("flavors"), params))
        return _flavor_page(_checked(response).json())

    async def admin(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        if_match: str | None = None,
    ) -> httpx.Response:
        """Call the admin API at `/admin/v1/<path>` and return the checked response."""
        headers = {"If-Match": if_match} if if_match else None
        url = _with_query("/admin/v1/" + path.lstrip("/"), params or {})
        response = await self._http.request(method, url, json=json, headers=headers)
        return _checked(response)
