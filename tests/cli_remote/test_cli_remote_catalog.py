"""Catalog reads from the command line against a live demo server: filters, pages, formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from cli_remote_support import Run, parsed_json, run_cli

from support.server import DEMO_AK, DEMO_SK, LiveServer, demo_token

DOCUMENTED_IMAGE_ID = "d7811cdb-b0c6-44fe-9931-1f3b2b6ef477"
DOCUMENTED_IMAGE_NAME = "ModelArts_Lite Server-Euler2.8_aarch64_CPU-20220913175531"
IMAGE_FIELDS = {"image_id", "name", "arch", "server_type", "status"}


def all_images(remote: Run) -> list[dict[str, str]]:
    images: list[dict[str, str]] = parsed_json(remote("images", "list", "-o", "json"))
    return images


def test_list_returns_every_image(remote: Run) -> None:
    images = all_images(remote)
    assert len(images) > 10
    assert {image["image_id"] for image in images} >= {DOCUMENTED_IMAGE_ID}
    assert all(set(image) == IMAGE_FIELDS for image in images)


@pytest.mark.parametrize(
    ("option", "value", "field"),
    [
        ("--server-type", "BMS", "server_type"),
        ("--server-type", "hps", "server_type"),
        ("--arch", "ARM", "arch"),
        ("--status", "INACTIVE", "status"),
        ("--name", DOCUMENTED_IMAGE_NAME, "name"),
    ],
)
def test_list_filter_keeps_matches(remote: Run, option: str, value: str, field: str) -> None:
    everything = all_images(remote)
    expected = [image for image in everything if image[field].lower() == value.lower()]
    images = parsed_json(remote("images", "list", option, value, "-o", "json"))
    assert images == expected
    assert images


def test_list_flavor_filter_narrows(remote: Run) -> None:
    everything = all_images(remote)
    images = parsed_json(
        remote("images", "list", "--flavor-name", "physical.pi5.48xlarge.8.h800", "-o", "json")
    )
    assert images
    assert len(images) < len(everything)
    assert all(image["server_type"] == "BMS" for image in images)


def test_list_sorts_descending(remote: Run) -> None:
    images = parsed_json(
        remote("images", "list", "--sort-key", "name", "--sort-dir", "DESC", "-o", "json")
    )
    names = [image["name"] for image in images]
    assert names == sorted(names, reverse=True)


def test_list_limit_offset_page(remote: Run) -> None:
    everything = all_images(remote)
    result = remote("images", "list", "--limit", "4", "--offset", "4", "-o", "json")
    assert parsed_json(result) == everything[4:8]
    assert f"Showing 4 of {len(everything)} images" in result.stderr


@pytest.mark.parametrize("page_size", ["1", "4", "1024"])
def test_list_all_walks_pages(remote: Run, page_size: str) -> None:
    everything = all_images(remote)
    result = remote("images", "list", "--all", "--page-size", page_size, "-o", "json")
    assert parsed_json(result) == everything
    assert result.stderr == ""


def test_list_all_with_filter(remote: Run) -> None:
    expected = parsed_json(remote("images", "list", "--arch", "X86", "-o", "json"))
    result = remote("images", "list", "--all", "--page-size", "3", "--arch", "X86", "-o", "json")
    assert parsed_json(result) == expected


def test_list_all_rejects_limit(remote: Run) -> None:
    result = remote("images", "list", "--all", "--limit", "5")
    assert result.exit_code == 2
    assert "--all" in result.stderr


def test_list_table_is_aligned(remote: Run) -> None:
    result = remote("images", "list", "--server-type", "ECS")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["IMAGE_ID", "NAME", "ARCH", "SERVER_TYPE", "STATUS"]
    name_column = lines[0].index("NAME")
    assert all(line[name_column - 2 : name_column] == "  " for line in lines[1:])
    assert any(DOCUMENTED_IMAGE_ID in line for line in lines[1:])


@pytest.mark.parametrize(
    "command",
    [
        ("images", "list"),
        ("images", "list", "--all", "--page-size", "5"),
        ("images", "show", DOCUMENTED_IMAGE_ID),
        ("flavors", "list"),
        ("flavors", "list", "--arch", "ARM"),
    ],
)
@pytest.mark.parametrize("output", ["json", "yaml"])
def test_output_formats_parse(remote: Run, command: tuple[str, ...], output: str) -> None:
    result = remote(*command, "--output", output)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout) if output == "json" else yaml.safe_load(result.stdout)
    assert data


def test_json_and_yaml_agree(remote: Run) -> None:
    as_json = parsed_json(remote("flavors", "list", "-o", "json"))
    as_yaml = yaml.safe_load(remote("flavors", "list", "-o", "yaml").stdout)
    assert as_json == as_yaml


def test_show_prints_one_image(remote: Run) -> None:
    image = parsed_json(remote("images", "show", DOCUMENTED_IMAGE_ID, "-o", "json"))
    assert image == {
        "image_id": DOCUMENTED_IMAGE_ID,
        "name": DOCUMENTED_IMAGE_NAME,
        "arch": "ARM",
        "server_type": "ECS",
        "status": "ACTIVE",
    }


def test_show_table_lists_fields(remote: Run) -> None:
    result = remote("images", "show", DOCUMENTED_IMAGE_ID)
    assert result.exit_code == 0, result.output
    rows = dict(line.split(None, 1) for line in result.stdout.splitlines())
    assert rows["name"] == DOCUMENTED_IMAGE_NAME
    assert rows["arch"] == "ARM"


def test_flavors_list_filters(remote: Run) -> None:
    everything = parsed_json(remote("flavors", "list", "-o", "json"))
    flavors = parsed_json(remote("flavors", "list", "--server-type", "HPS", "-o", "json"))
    assert flavors == [flavor for flavor in everything if flavor["server_type"] == "HPS"]
    assert flavors


def test_flavors_list_table_header(remote: Run) -> None:
    result = remote("flavors", "list")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].split()[:3] == ["FLAVOR", "ARCH", "SERVER_TYPE"]


def test_options_override_environment(live_server: LiveServer) -> None:
    args = [
        "images", "show", DOCUMENTED_IMAGE_ID, "-o", "json", "--endpoint", live_server.endpoint,
        "--ak", DEMO_AK, "--sk", DEMO_SK, "--project-id", live_server.project_id,
    ]  # fmt: skip
    result = run_cli(args, {"LITEIMAGES_ENDPOINT": "http://127.0.0.1:9"})
    assert parsed_json(result)["image_id"] == DOCUMENTED_IMAGE_ID


def test_token_authenticates(live_server: LiveServer) -> None:
    token = demo_token(live_server)
    env = {
        "LITEIMAGES_ENDPOINT": live_server.endpoint,
        "HUAWEICLOUD_SDK_PROJECT_ID": live_server.project_id,
    }
    by_option = run_cli(["images", "list", "-o", "json", "--token", token], env)
    by_variable = run_cli(["images", "list", "-o", "json"], {**env, "LITEIMAGES_TOKEN": token})
    assert parsed_json(by_option) == parsed_json(by_variable)
    assert token not in by_option.output


def test_profile_supplies_connection(live_server: LiveServer, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[profiles.lab]\nendpoint = "{live_server.endpoint}"\naccess_key = "{DEMO_AK}"\n'
        f'secret_key = "{DEMO_SK}"\nproject_id = "{live_server.project_id}"\n'
    )
    result = run_cli(
        ["images", "show", DOCUMENTED_IMAGE_ID, "-o", "json", "--profile", "lab"],
        {"LITEIMAGES_CONFIG": str(config)},
    )
    assert parsed_json(result)["image_id"] == DOCUMENTED_IMAGE_ID


def test_unknown_profile_is_config_error(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[profiles.lab]\nendpoint = "http://127.0.0.1:9"\n')
    result = run_cli(["images", "list", "--profile", "other"], {"LITEIMAGES_CONFIG": str(config)})
    assert result.exit_code == 2
    assert "profile 'other' not found" in result.stderr


def test_secret_key_never_printed(remote: Run) -> None:
    results = [
        remote("images", "list"),
        remote("images", "list", "-o", "yaml"),
        remote("images", "show", "00000000-0000-4000-8000-000000000000"),
    ]
    assert all(DEMO_SK not in result.output for result in results)
