"""Invalid catalog files: every error names file, entry and field, and nothing is written."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from catalog_files_support import SeededDatabase, fingerprint, run_cli, write_document

IMAGE_A = "0b7e2a6c-3f41-4d5e-8a9b-1c2d3e4f5a6b"
IMAGE_B = "1c8f3b7d-4a52-4e6f-9bac-2d3e4f5a6b7c"
MISSING_PROJECT = "f" * 32
LABEL_A = f"images[0] (id {IMAGE_A}, name 'img-a')"
LABEL_B = f"images[1] (id {IMAGE_B}, name 'img-b')"

Mutation = Callable[[dict[str, Any]], None]


def valid_document(project_id: str) -> dict[str, Any]:
    return {
        "version": 1,
        "flavors": [{"name": "test-flavor", "arch": "ARM", "server_type": "BMS"}],
        "images": [
            {"id": IMAGE_A, "name": "img-a", "arch": "ARM", "server_type": "BMS",
             "flavors": ["test-flavor", "physical.kat2.48xlarge.8.313t.ei"]},
            {"id": IMAGE_B, "name": "img-b", "arch": "ARM", "server_type": "BMS",
             "visibility": "PRIVATE", "owner_project_id": project_id},
        ],
    }  # fmt: skip


def set_image(index: int, name: str, value: Any) -> Mutation:
    def mutate(document: dict[str, Any]) -> None:
        document["images"][index][name] = value

    return mutate


def drop_image_field(index: int, name: str) -> Mutation:
    def mutate(document: dict[str, Any]) -> None:
        del document["images"][index][name]

    return mutate


def repeat_first_flavor(document: dict[str, Any]) -> None:
    document["flavors"].append(dict(document["flavors"][0], count=3))


def set_version(document: dict[str, Any]) -> None:
    document["version"] = 2


# mutation, entry label, field, message fragment
CASES = [
    pytest.param(set_image(0, "arch", "arm64"), LABEL_A, "arch",
                 "must be one of ARM, X86, got 'arm64'", id="wrong-enum"),
    pytest.param(set_image(1, "id", IMAGE_A), f"images[1] (id {IMAGE_A}, name 'img-b')", "id",
                 "duplicates the id of images[0]", id="duplicate-id"),
    pytest.param(set_image(0, "flavors", ["no-such-flavor"]), LABEL_A, "flavors",
                 "names flavor 'no-such-flavor', which is neither in the file nor in the database",
                 id="unknown-flavor"),
    pytest.param(drop_image_field(1, "owner_project_id"), LABEL_B, "owner_project_id",
                 "is required for a private image", id="private-without-owner"),
    pytest.param(set_image(1, "shared_with", [MISSING_PROJECT]), LABEL_B, "shared_with",
                 f"names project {MISSING_PROJECT}, which does not exist", id="unknown-share"),
    pytest.param(set_image(1, "owner_project_id", MISSING_PROJECT), LABEL_B, "owner_project_id",
                 f"names project {MISSING_PROJECT}, which does not exist", id="unknown-owner"),
    pytest.param(set_image(0, "arch", "X86"), LABEL_A, "flavors",
                 "flavor 'test-flavor' is BMS/ARM but the image is BMS/X86", id="flavor-arch"),
    pytest.param(set_image(0, "server_type", "ECS"), LABEL_A, "flavors",
                 "flavor 'physical.kat2.48xlarge.8.313t.ei' is BMS/ARM but the image is ECS/ARM",
                 id="stored-flavor-server-type"),
    pytest.param(repeat_first_flavor, "flavors[1] (name 'test-flavor')", "name",
                 "duplicates the name of flavors[0]", id="duplicate-flavor"),
    pytest.param(set_image(0, "colour", "red"), LABEL_A, "colour", "is not a known field",
                 id="unknown-field"),
    pytest.param(set_image(0, "id", "not-a-uuid"), "images[0] (id not-a-uuid, name 'img-a')",
                 "id", "must be a lower-case RFC 4122 UUID", id="malformed-id"),
    pytest.param(set_image(0, "flavors", ["test-flavor", "test-flavor"]), LABEL_A, "flavors",
                 "lists 'test-flavor' more than once", id="repeated-link"),
    pytest.param(set_image(0, "shared_with", [MISSING_PROJECT]), LABEL_A, "shared_with",
                 "must be empty for a public image", id="public-shared"),
    pytest.param(set_version, "", "version", "must be 1, got 2", id="version"),
]  # fmt: skip


def error_line(output: str, source: Path, entry: str, field: str, message: str = "") -> str:
    """Return the output line that reports `message` on `field` of `entry` in `source`."""
    prefix = f"{source}: {entry}: " if entry else f"{source}: "
    for line in output.splitlines():
        if line.startswith(prefix + f"field {field}: ") and message in line:
            return line
    raise AssertionError(f"no error {message!r} for {entry} field {field} in:\n{output}")


@pytest.mark.parametrize(("mutate", "entry", "field", "message"), CASES)
@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_invalid_file_rejected(
    seeded: SeededDatabase,
    tmp_path: Path,
    mutate: Mutation,
    entry: str,
    field: str,
    message: str,
    suffix: str,
) -> None:
    document = copy.deepcopy(valid_document(seeded.demo.project_id))
    mutate(document)
    path = write_document(tmp_path / f"catalog{suffix}", document)
    before = fingerprint(seeded.database)

    result = run_cli("catalog", "import", path, "--database-url", seeded.database.url)

    assert result.exit_code == 1
    assert error_line(result.output, path, entry, field, message)
    assert fingerprint(seeded.database) == before


def test_valid_document_accepted(seeded: SeededDatabase, tmp_path: Path) -> None:
    path = write_document(tmp_path / "catalog.yaml", valid_document(seeded.demo.project_id))
    url = seeded.database.url
    result = run_cli("catalog", "import", path, "--dry-run", "--database-url", url)
    assert result.exit_code == 0, result.output
    assert "images: 2 created, 0 updated, 0 deleted" in result.output


MALFORMED = [
    pytest.param("catalog.yaml", "version: 1\nimages:\n- name: a\n  arch ARM\n  x: 1\n",
                 "line 5, column 3: malformed YAML: could not find expected ':'", id="yaml"),
    pytest.param("catalog.yaml", "version: 1\nimages: [\n", "line 3", id="yaml-unclosed"),
    pytest.param("catalog.yaml", "a: !!python/object/apply:os.system [echo]\n",
                 "line 1, column 4: malformed YAML: could not determine a constructor",
                 id="yaml-python-tag"),
    pytest.param("catalog.json", '{"version": 1,\n "images": [\n  {"name": }\n]}\n',
                 "line 3, column 12: malformed JSON", id="json"),
    pytest.param("catalog.json", "", "line 1, column 1: malformed JSON", id="json-empty"),
    pytest.param("catalog.yaml", "- 1\n- 2\n",
                 "must be an object with the fields version, flavors and images", id="list"),
    pytest.param("catalog.json", '{"version": 1, "images": {"a": 1}}',
                 "field images: must be a list", id="images-object"),
    pytest.param("catalog.json", '{"version": 1, "images": [7]}',
                 "images[0]: must be an object", id="entry-number"),
    pytest.param("catalog.txt", "version: 1\n", "unknown file extension", id="extension"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "content", "message"), MALFORMED)
def test_malformed_file_rejected(
    seeded: SeededDatabase, tmp_path: Path, name: str, content: str,
    message: str,
) -> None:  # fmt: skip
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    before = fingerprint(seeded.database)

    result = run_cli("catalog", "import", path, "--database-url", seeded.database.url)

    assert result.exit_code == 1
    assert f"{path}: {message}" in result.output
    assert fingerprint(seeded.database) == before


def test_every_field_error_reported(seeded: SeededDatabase, tmp_path: Path) -> None:
    document = valid_document(seeded.demo.project_id)
    document["images"][0].update(arch="arm64", status="GONE", tags="x", colour="red")
    document["images"][1]["shared_with"] = [MISSING_PROJECT]
    path = write_document(tmp_path / "catalog.yaml", document)

    output = run_cli("catalog", "import", path, "--database-url", seeded.database.url).output

    for field in ("arch", "status", "tags", "colour"):
        assert error_line(output, path, LABEL_A, field)
    assert error_line(output, path, LABEL_B, "shared_with")
    assert "5 errors" in output


def test_error_list_capped(seeded: SeededDatabase, tmp_path: Path) -> None:
    images = [{"name": f"image-{number}", "arch": "MIPS", "server_type": "BMS"}
              for number in range(60)]  # fmt: skip
    path = write_document(tmp_path / "catalog.json", {"version": 1, "images": images})
    before = fingerprint(seeded.database)

    output = run_cli("catalog", "import", path, "--database-url", seeded.database.url).output

    assert "60 errors" in output
    assert output.count(": field arch: must be one of ARM, X86") == 50
    assert "images[49] (name 'image-49')" in output
    assert "images[50]" not in output
    assert "and 10 more errors" in output
    assert fingerprint(seeded.database) == before


def test_dry_run_reports_errors(seeded: SeededDatabase, tmp_path: Path) -> None:
    document = valid_document(seeded.demo.project_id)
    document["images"][0]["arch"] = "arm64"
    path = write_document(tmp_path / "catalog.yaml", document)
    result = run_cli("catalog", "import", path, "--dry-run", "--database-url", seeded.database.url)
    assert result.exit_code == 1
    assert error_line(result.output, path, LABEL_A, "arch")
