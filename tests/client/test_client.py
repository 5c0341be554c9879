"""The Python client, sync and async, against a live server."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from liteimages.client import (
    ApiError,
    AsyncClient,
    Client,
    ConfigError,
    Settings,
    from_environment,
    from_profile,
)
from support.server import DEMO_AK, DEMO_SK, LiveServer, demo_token

DOCUMENTED_IMAGE = "d7811cdb-b0c6-44fe-9931-1f3b2b6ef477"


def aksk(server: LiveServer) -> Settings:
    return Settings(
        endpoint=server.endpoint,
        access_key=DEMO_AK,
        secret_key=DEMO_SK,
        project_id=server.project_id,
    )


def token_settings(server: LiveServer) -> Settings:
    token = demo_token(server)
    return Settings(endpoint=server.endpoint, token=token, project_id=server.project_id)


def test_list_images_paged(live_server: LiveServer) -> None:
    with Client(aksk(live_server)) as client:
        page = client.list_images(server_type="bms", limit=3, offset=3)

    assert page.size == 3
    assert page.current == 2
    assert page.total == 10
    assert len(page.data) == 3
    assert {image.server_type for image in page.data} == {"BMS"}


def test_iter_images_walks_all(live_server: LiveServer) -> None:
    with Client(aksk(live_server)) as client:
        total = client.list_images().total
        names = [image.name for image in client.iter_images()]

    assert len(names) == total
    assert len(set(names)) == total


def test_get_image_documented(live_server: LiveServer) -> None:
    with Client(token_settings(live_server)) as client:
        image = client.get_image(DOCUMENTED_IMAGE)

    assert image.name == "ModelArts_Lite Server-Euler2.8_aarch64_CPU-20220913175531"
    assert image.arch == "ARM"


def test_list_flavors_filtered(live_server: LiveServer) -> None:
    with Client(aksk(live_server)) as client:
        page = client.list_flavors(server_type="HPS")

    assert page.total == 2
    assert {flavor.server_type for flavor in page.data} == {"HPS"}


def test_space_in_filter_kept(live_server: LiveServer) -> None:
    name = "ModelArts_Lite Server-Euler2.8_aarch64_CPU-20220913175531"

    with Client(aksk(live_server)) as client:
        page = client.list_images(name=name)

    assert [image.image_id for image in page.data] == [DOCUMENTED_IMAGE]


def test_api_error_fields(live_server: LiveServer) -> None:
    with Client(aksk(live_server)) as client, pytest.raises(ApiError) as raised:
        client.get_image("00000000-0000-4000-8000-000000000000")

    assert raised.value.status_code == 404
    assert raised.value.error_code == "ModelArts.5058"
    assert len(raised.value.request_id) == 32


def test_wrong_secret_key_is_401(live_server: LiveServer) -> None:
    settings = Settings(
        endpoint=live_server.endpoint,
        access_key=DEMO_AK,
        secret_key="wrong-secret-key-000000",
        project_id=live_server.project_id,
    )

    with Client(settings) as client, pytest.raises(ApiError) as raised:
        client.list_images()

    assert raised.value.status_code == 401
    assert raised.value.error_code == "APIGW.0301"


def test_async_client_matches_sync(live_server: LiveServer) -> None:
    name = "ModelArts_Lite Server-Euler2.8_aarch64_CPU-20220913175531"

    async def fetch() -> tuple[int, list[str], str, int]:
        async with AsyncClient(aksk(live_server)) as client:
            page = await client.list_images(name=name)
            names = [image.name async for image in client.iter_images(server_type="HPS")]
            image = await client.get_image(DOCUMENTED_IMAGE)
            flavors = await client.list_flavors(limit=2)
            return page.total, names, image.name, flavors.size

    total, names, image_name, flavor_page_size = asyncio.run(fetch())

    assert total == 1
    assert len(names) == 3
    assert image_name == name
    assert flavor_page_size == 2


def test_settings_need_credentials() -> None:
    with pytest.raises(ConfigError):
        Settings(endpoint="http://127.0.0.1:9").auth()


def test_settings_from_environment() -> None:
    settings = from_environment(
        {
            "LITEIMAGES_ENDPOINT": "http://127.0.0.1:9",
            "HUAWEICLOUD_SDK_AK": "AK",
            "HUAWEICLOUD_SDK_SK": "SK",
            "HUAWEICLOUD_SDK_PROJECT_ID": "project",
        }
    )

    assert settings.endpoint == "http://127.0.0.1:9"
    assert settings.access_key == "AK"
    assert settings.project_id == "project"


def test_settings_from_profile(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[profiles.lab]\nendpoint = "http://127.0.0.1:9"\ntoken = "t"\n')

    settings = from_profile("lab", config)

    assert settings.endpoint == "http://127.0.0.1:9"
    assert settings.token == "t"


def test_missing_profile_is_error(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[profiles.lab]\n")

    with pytest.raises(ConfigError):
        from_profile("other", config)
