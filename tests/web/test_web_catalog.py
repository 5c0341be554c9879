"""The catalog fast path in process: routes, parameters, access checks and auth errors."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from liteimages.web.catalog import match_route

pytestmark = pytest.mark.anyio

PROJECT = "0123456789abcdef0123456789abcdef"
IMAGE = "d7811cdb-b0c6-44fe-9931-1f3b2b6ef477"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (f"/v1/{PROJECT}/dev-servers/images", ("images", PROJECT, None)),
        (f"/v1/{PROJECT}/dev-servers/flavors", ("flavors", PROJECT, None)),
        (f"/v1/{PROJECT}/dev-servers/images/{IMAGE}", ("image", PROJECT, IMAGE)),
        ("/v1/a%2Db/dev-servers/images", ("images", "a-b", None)),
        ("/v1/p/dev-servers/images/%41", ("image", "p", "A")),
        ("/v1//dev-servers/images", ("images", "", None)),
        ("/v1/p/dev-servers/images/%FF", ("image", "p", "\ufffd")),
        (f"/v1/{PROJECT}/dev-servers/images/", None),
        (f"/v1/{PROJECT}/dev-servers/flavors/x", None),
        (f"/v1/{PROJECT}/dev-servers/images/{IMAGE}/", None),
        (f"/v1/{PROJECT}/dev-servers/servers", None),
        (f"/v1/{PROJECT}/dev-servers", None),
        (f"/v2/{PROJECT}/dev-servers/images", None),
        (f"v1/{PROJECT}/dev-servers/images", None),
        ("/", None),
        ("", None),
    ],
)
def test_match_route(path: str, expected: tuple[str, str, str | None] | None) -> None:
    assert match_route(path.encode()) == expected


def names(response: httpx.Response) -> list[str]:
    return [item["name"] for item in response.json()["data"]]


async def test_list_images_shape(http: httpx.AsyncClient, seeded: Any) -> None:
    response = await http.get(seeded.images_path, headers={"X-Auth-Token": seeded.token})

    body = response.json()
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert set(body) == {"current", "data", "pages", "size", "total"}
    assert (body["current"], body["pages"], body["size"], body["total"]) == (1, 1, 31, 31)
    assert set(body["data"][0]) == {"arch", "image_id", "name", "server_type", "status"}
    assert names(response) == sorted(names(response))


async def test_list_images_signed(http: httpx.AsyncClient, seeded: Any) -> None:
    query = "limit=5&offset=10&server_type=ecs"
    headers = seeded.signed("GET", seeded.images_path, query)

    response = await http.get(f"{seeded.images_path}?{query}", headers=headers)

    body = response.json()
    assert response.status_code == 200
    assert (body["current"], body["pages"], body["size"], body["total"]) == (3, 7, 5, 31)
    assert {item["server_type"] for item in body["data"]} == {"ECS"}


async def test_signed_request_with_body(http: httpx.AsyncClient, seeded: Any) -> None:
    headers = seeded.signed("GET", seeded.images_path, body=b'{"ignored": true}')

    response = await http.request(
        "GET", seeded.images_path, headers=headers, content=b'{"ignored": true}'
    )

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("flavor_name=kc2.4xlarge.4", ["Euler-arm"]),
        ("resource_flavor_name=kc2.4xlarge.4", ["Euler-arm"]),
        ("arch=ARM", ["Euler-arm"]),
        ("name=Ubuntu-x86-07", ["Ubuntu-x86-07"]),
        ("server_type=bms", []),
        ("status=inactive&limit=2", ["Ubuntu-x86-00", "Ubuntu-x86-03"]),
        ("sort_dir=desc&limit=1", ["Ubuntu-x86-29"]),
        ("unknown=1&limit=1", ["Euler-arm"]),
    ],
)
async def test_list_filters(
    http: httpx.AsyncClient, seeded: Any, query: str, expected: list[str]
) -> None:
    response = await http.get(
        f"{seeded.images_path}?{query}", headers={"X-Auth-Token": seeded.token}
    )

    assert response.status_code == 200
    assert names(response) == expected


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("limit=0", "limit"),
        ("limit=%2B1", "limit"),
        ("limit=1.0", "limit"),
        ("offset=-1", "offset"),
        ("server_type=", "server_type"),
        ("server_type=xyz", "server_type"),
        ("server_type=BMS&server_type=ECS", "server_type"),
        ("flavor_name=", "flavor_name"),
        ("flavor_name=no.such.flavor", "flavor_name"),
        ("flavor_name=%E5%90%8D%3A%2C", "flavor_name"),
        ("flavor_name=a&resource_flavor_name=a", "resource_flavor_name"),
        ("sort_key=id", "sort_key"),
    ],
)
async def test_invalid_parameter_400(
    http: httpx.AsyncClient, seeded: Any, query: str, parameter: str
) -> None:
    response = await http.get(
        f"{seeded.images_path}?{query}", headers={"X-Auth-Token": seeded.token}
    )

    assert response.status_code == 400
    assert response.json()["error_code"] == "ModelArts.0101"
    assert response.json()["error_msg"].startswith(f"Invalid argument. parameter [{parameter}] ")
    assert "request_id" not in response.json()


async def test_non_ascii_flavor_named_literally(http: httpx.AsyncClient, seeded: Any) -> None:
    response = await http.get(
        f"{seeded.images_path}?flavor_name=%E5%90%8D%3A%2C", headers={"X-Auth-Token": seeded.token}
    )

    assert "'名:,'" in response.json()["error_msg"]


async def test_get_image(http: httpx.AsyncClient, seeded: Any) -> None:
    response = await http.get(
        f"{seeded.images_path}/{seeded.public_image_id}", headers={"X-Auth-Token": seeded.token}
    )

    assert response.status_code == 200
    assert response.json() == {
        "arch": "ARM",
        "image_id": seeded.public_image_id,
        "name": "Euler-arm",
        "server_type": "ECS",
        "status": "ACTIVE",
    }


@pytest.mark.parametrize(
    "image_id", ["not-a-uuid", IMAGE.upper(), IMAGE.replace("-", ""), "%00", "a" * 300]
)
async def test_get_malformed_id_400(http: httpx.AsyncClient, seeded: Any, image_id: str) -> None:
    response = await http.get(
        f"{seeded.images_path}/{image_id}", headers={"X-Auth-Token": seeded.token}
    )

    assert response.status_code == 400
    assert response.json()["error_code"] == "ModelArts.0101"


@pytest.mark.parametrize("which", ["unknown", "private"])
async def test_get_hidden_image_404(http: httpx.AsyncClient, seeded: Any, which: str) -> None:
    image_id = {
        "unknown": "11111111-2222-4333-8444-555555555555",
        "private": seeded.private_image_id,
    }[which]

    response = await http.get(
        f"{seeded.images_path}/{image_id}", headers={"X-Auth-Token": seeded.token}
    )

    assert response.status_code == 404
    assert response.json() == {
        "error_code": "ModelArts.5058",
        "error_msg": f"Object ({image_id}) does not exist",
    }


async def test_private_image_visible_to_owner(http: httpx.AsyncClient, seeded: Any) -> None:
    response = await http.get(
        f"/v1/{seeded.other_project_id}/dev-servers/images/{seeded.private_image_id}",
        headers={"X-Auth-Token": seeded.other_project_token},
    )

    assert response.status_code == 200
    assert response.json()["name"] == "private-to-other-project"


async def test_list_flavors(http: httpx.AsyncClient, seeded: Any) -> None:
    response = await http.get(
        f"/v1/{seeded.project_id}/dev-servers/flavors?arch=x86",
        headers={"X-Auth-Token": seeded.token},
    )

    body = response.json()
    assert response.status_code == 200
    assert body["total"] == 1
    assert body["data"][0]["flavor"] == "c7.4xlarge.2"
    assert body["data"][0]["charging_mode"] == "POST_PAID"


async def test_project_mismatch_403(http: httpx.AsyncClient, seeded: Any) -> None:
    response = await http.get(
        f"/v1/{seeded.other_project_id}/dev-servers/images",
        headers={"X-Auth-Token": seeded.token},
    )

    assert response.status_code == 403
    assert response.json() == {
        "error_code": "ModelArts.0210",
        "error_msg": "The project id in the request URL does not match the token",
    }


async def test_signed_project_mismatch_403(http: httpx.AsyncClient, seeded: Any) -> None:
    path = f"/v1/{seeded.other_project_id}/dev-servers/images"

    response = await http.get(path, headers=seeded.signed("GET", path))

    assert response.status_code == 403
    assert response.json()["error_code"] == "ModelArts.0210"


async def test_user_without_grant_403(http: httpx.AsyncClient, seeded: Any) -> None:
    response = await http.get(seeded.images_path, headers={"X-Auth-Token": seeded.ungranted_token})

    assert response.status_code == 403
    assert response.json() == {
        "error_code": "ModelArts.0108",
        "error_msg": "You are not authorized to perform the (ListDevServerImages) operation",
    }


@pytest.mark.parametrize("project_id", ["bad_id", "a" * 65, "%2E%2E", "%E5%90%8D"])
async def test_invalid_project_id_400(
    http: httpx.AsyncClient, seeded: Any, project_id: str
) -> None:
    path = f"/v1/{project_id}/dev-servers/images"

    response = await http.get(path, headers=seeded.signed("GET", path, project_header=False))

    assert response.status_code == 400
    assert response.json()["error_msg"].startswith("Invalid argument. parameter [project_id] ")


async def test_signature_without_project_header(http: httpx.AsyncClient, seeded: Any) -> None:
    headers = seeded.signed("GET", seeded.images_path, project_header=False)

    response = await http.get(seeded.images_path, headers=headers)

    assert response.status_code == 200


async def test_no_credentials_401(http: httpx.AsyncClient, seeded: Any) -> None:
    response = await http.get(seeded.images_path)

    assert response.status_code == 401
    assert response.json() == {
        "error_code": "APIGW.0301",
        "error_msg": "Incorrect IAM authentication information: x-auth-token not found",
        "request_id": response.headers["x-request-id"],
    }


async def test_unknown_token_401(http: httpx.AsyncClient, seeded: Any) -> None:
    response = await http.get(seeded.images_path, headers={"X-Auth-Token": "not-a-token"})

    assert response.status_code == 401
    assert response.json()["error_msg"] == (
        "Incorrect IAM authentication information: decrypt token fail"
    )


async def test_wrong_signature_shows_canonical_request(
    http: httpx.AsyncClient, seeded: Any
) -> None:
    headers = seeded.signed("GET", seeded.images_path, "limit=1", secret_key="w" * 40)

    response = await http.get(f"{seeded.images_path}?limit=1", headers=headers)

    body = response.json()
    assert response.status_code == 401
    assert (
        body["error_msg"] == "Incorrect IAM authentication information: verify aksk signature fail"
    )
    assert body["canonical_request"].startswith(f"GET\n{seeded.images_path}/\nlimit=1\n")
    assert body["string_to_sign"].startswith("SDK-HMAC-SHA256\n")


async def test_wrong_signature_non_utf8_header(http: httpx.AsyncClient, seeded: Any) -> None:
    # "caf\udce9" is the text form of the bytes b"caf\xe9", which are not UTF-8.
    signed = seeded.signed(
        "GET", seeded.images_path, headers={"x-custom": "caf\udce9"}, secret_key="w" * 40
    )
    headers = {name: value.encode("utf-8", "surrogateescape") for name, value in signed.items()}

    response = await http.get(seeded.images_path, headers=headers)

    assert response.status_code == 401
    assert response.headers["x-request-id"]
    assert "\nx-custom:caf\\xe9\n" in response.json()["canonical_request"]


async def test_missing_signed_header_401(http: httpx.AsyncClient, seeded: Any) -> None:
    headers = seeded.signed("GET", seeded.images_path, headers={"x-extra": "1"})
    del headers["x-extra"]

    response = await http.get(seeded.images_path, headers=headers)

    assert response.status_code == 401
    assert response.json()["error_code"] == "APIGW.0301"


async def test_locked_key_has_retry_after(http: httpx.AsyncClient, seeded: Any) -> None:
    # A key of its own, because the lock lasts 300 s and the module shares alice's key.
    access_key, secret_key = seeded.new_key("bob")
    path = seeded.images_path
    wrong = seeded.signed("GET", path, access_key=access_key, secret_key="w" * 40)
    right = seeded.signed("GET", path, access_key=access_key, secret_key=secret_key)

    failed = [(await http.get(seeded.images_path, headers=wrong)).status_code for _ in range(5)]
    locked = await http.get(seeded.images_path, headers=right)

    assert failed == [401] * 5
    assert locked.status_code == 401
    assert locked.json()["error_msg"].endswith("AK access failed to reach the limit,forbidden")
    assert 299 <= int(locked.headers["retry-after"]) <= 300
