"""A demo catalog in the style of the real Lite Server images and flavors."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from liteimages.catalog.enums import Arch, ChargingMode, ImageStatus, ServerType, Visibility
from liteimages.catalog.service import FlavorSpec, ImageSpec

A, X = Arch.ARM, Arch.X86
BMS, ECS, HPS = ServerType.BMS, ServerType.ECS, ServerType.HPS
ACTIVE, INACTIVE = ImageStatus.ACTIVE, ImageStatus.INACTIVE

# The two images of the ListDevServerImages documentation example, with their ids.
DOCUMENTED_IMAGES = (
    ("d7811cdb-b0c6-44fe-9931-1f3b2b6ef477",
     "ModelArts_Lite Server-Euler2.8_aarch64_CPU-20220913175531", A, ECS, ACTIVE),
    ("83f4aa72-53ec-4806-85b5-3f84082ba964",
     "ModelArts_Lite Server-custom_x86_64_NPU-20230207093857", X, ECS, ACTIVE),
)  # fmt: skip

# name, arch, server type, status, accelerator, flavors it boots
DEMO_IMAGES = (
    ("EulerOS2.10-Arm-64bit-for-Snt9B-BareMetal-with-CANN7.0.RC1-20231020", A, BMS, INACTIVE,
     "NPU", ("physical.kat2.48xlarge.8.313t.ei",)),
    ("EulerOS2.10-Arm-64bit-for-Snt9B-BareMetal-with-CANN7.0.0-20240312", A, BMS, INACTIVE,
     "NPU", ("physical.kat2.48xlarge.8.313t.ei",)),
    ("EulerOS2.10-Arm-64bit-for-Snt9B-BareMetal-with-CANN8.0.RC3-20241115", A, BMS, ACTIVE,
     "NPU", ("physical.kat2.48xlarge.8.313t.ei", "physical.kat2e.48xlarge.8.376t")),
    ("HCE2.0-Arm-64bit-for-Snt9B-BareMetal-with-CANN8.0.0-20250110", A, BMS, ACTIVE,
     "NPU", ("physical.kat2.48xlarge.8.313t.ei", "physical.kat2e.48xlarge.8.376t")),
    ("HCE2.0-Arm-64bit-for-Snt9B-BareMetal-with-CANN8.1.RC1-20250423", A, BMS, ACTIVE,
     "NPU", ("physical.kat2e.48xlarge.8.376t",)),
    ("Ubuntu20.04-x86-64bit-for-GPU-BareMetal-with-NVIDIA-470.199.02-CUDA11.4-20230630", X, BMS,
     INACTIVE, "GPU", ("physical.pi2.48xlarge.8.ant8",)),
    ("Ubuntu22.04-x86-64bit-for-GPU-BareMetal-with-NVIDIA-535.161.08-CUDA12.2-20240520", X, BMS,
     ACTIVE, "GPU", ("physical.pi2.48xlarge.8.ant8", "physical.pi5.48xlarge.8.h800")),
    ("HCE2.0-x86-64bit-for-GPU-BareMetal-with-NVIDIA-550.90.07-CUDA12.4-20240905", X, BMS,
     ACTIVE, "GPU", ("physical.pi5.48xlarge.8.h800",)),
    ("Ubuntu22.04-x86-64bit-for-GPU-BareMetal-with-NVIDIA-570.86.15-CUDA12.8-20250310", X, BMS,
     ACTIVE, "GPU", ("physical.pi5.48xlarge.8.h800",)),
    ("EulerOS2.12-Arm-64bit-for-Snt9C-SuperNode-with-CANN8.0.RC3-20241201", A, HPS, INACTIVE,
     "NPU", ("physical.kat3.supernode.48xlarge.8",)),
    ("HCE2.0-Arm-64bit-for-Snt9C-SuperNode-with-CANN8.0.0-20250115", A, HPS, ACTIVE,
     "NPU", ("physical.kat3.supernode.48xlarge.8", "physical.kat3e.supernode.48xlarge.16")),
    ("HCE2.0-Arm-64bit-for-Snt9C-SuperNode-with-CANN8.1.RC1-20250428", A, HPS, ACTIVE,
     "NPU", ("physical.kat3e.supernode.48xlarge.16",)),
    ("HCE2.0-Arm-64bit-CPU-ECS-20240618", A, ECS, ACTIVE, "CPU", ("kc2.4xlarge.4",)),
    ("Ubuntu22.04-x86-64bit-CPU-ECS-20240702", X, ECS, ACTIVE, "CPU", ("c7.4xlarge.2",)),
    ("Ubuntu22.04-x86-64bit-for-GPU-ECS-with-NVIDIA-535.54.03-CUDA12.2-20240401", X, ECS, ACTIVE,
     "GPU", ("pi2.4xlarge.4",)),
    ("EulerOS2.9-Arm-64bit-for-Snt3-ECS-with-CANN6.3.RC2-20230728", A, ECS, INACTIVE, "NPU", ()),
)  # fmt: skip

DOCUMENTED_IMAGE_FLAVORS = {
    "d7811cdb-b0c6-44fe-9931-1f3b2b6ef477": ("kc2.4xlarge.4",),
    "83f4aa72-53ec-4806-85b5-3f84082ba964": ("ai1s.2xlarge.4",),
}

PRIVATE_IMAGE_NAME = "team-finetune-Snt9B-BareMetal-with-CANN8.0.RC3-20241202"

# name, arch, server type, flavor type, specification, RoCE NICs, count, sold out
DEMO_FLAVORS = (
    ("physical.kat2.48xlarge.8.313t.ei", A, BMS, "ASCEND",
     "192 vCPUs | 1536 GiB | 8 x Ascend Snt9B 64 GB", 8, 16, False),
    ("physical.kat2e.48xlarge.8.376t", A, BMS, "ASCEND",
     "192 vCPUs | 1536 GiB | 8 x Ascend Snt9B 64 GB", 8, 4, False),
    ("physical.pi2.48xlarge.8.ant8", X, BMS, "GPU",
     "128 vCPUs | 2048 GiB | 8 x NVIDIA A800 80 GB", 4, 2, True),
    ("physical.pi5.48xlarge.8.h800", X, BMS, "GPU",
     "192 vCPUs | 2048 GiB | 8 x NVIDIA H800 80 GB", 8, 8, False),
    ("physical.kat3.supernode.48xlarge.8", A, HPS, "ASCEND",
     "Supernode | 48 nodes | 384 x Ascend Snt9C", 16, 1, False),
    ("physical.kat3e.supernode.48xlarge.16", A, HPS, "ASCEND",
     "Supernode | 48 nodes | 768 x Ascend Snt9C", 16, 0, True),
    ("kc2.4xlarge.4", A, ECS, "CPU", "16 vCPUs | 64 GiB | Kunpeng 920", 0, 40, False),
    ("c7.4xlarge.2", X, ECS, "CPU", "16 vCPUs | 32 GiB | Intel Xeon Ice Lake", 0, 60, False),
    ("pi2.4xlarge.4", X, ECS, "GPU", "16 vCPUs | 64 GiB | 1 x NVIDIA T4 16 GB", 0, 12, False),
    ("ai1s.2xlarge.4", X, ECS, "ASCEND", "8 vCPUs | 32 GiB | 1 x Ascend 310", 0, 6, False),
)  # fmt: skip

_DATE_SUFFIX = re.compile(r"(\d{8})(\d{6})?$")
_VERSION = re.compile(r"(CANN[\d.]+[A-Z]*\d*|NVIDIA-[\d.]+|CUDA[\d.]+)")


def created_at(name: str) -> datetime:
    """Return the build time encoded at the end of an image name."""
    match = _DATE_SUFFIX.search(name)
    assert match is not None, name
    return datetime.strptime(match.group(1) + (match.group(2) or "000000"), "%Y%m%d%H%M%S").replace(
        tzinfo=UTC
    )


def image_specs(private_project_id: str) -> list[tuple[ImageSpec, tuple[str, ...]]]:
    """Return every demo image with the names of the flavors it boots."""
    specs: list[tuple[ImageSpec, tuple[str, ...]]] = [
        (
            ImageSpec(id=image_id, name=name, arch=arch, server_type=kind, status=status,
                      created_at=created_at(name), os="EulerOS" if arch is A else "custom"),
            DOCUMENTED_IMAGE_FLAVORS[image_id],
        )
        for image_id, name, arch, kind, status in DOCUMENTED_IMAGES
    ]  # fmt: skip
    for name, arch, kind, status, accelerator, flavors in DEMO_IMAGES:
        specs.append((_spec(name, arch, kind, status, accelerator), flavors))
    private = _spec(PRIVATE_IMAGE_NAME, A, BMS, ACTIVE, "NPU")
    private = ImageSpec(**{**private.__dict__, "visibility": Visibility.PRIVATE,
                           "owner_project_id": private_project_id})  # fmt: skip
    specs.append((private, ("physical.kat2.48xlarge.8.313t.ei",)))
    return specs


def flavor_specs() -> list[FlavorSpec]:
    """Return every demo flavor."""
    return [
        FlavorSpec(
            name=name, arch=arch, server_type=kind, flavor_type=flavor_type,
            specification=specification, roce_num=roce, count=count, is_sold_out=sold_out,
            charging_mode=ChargingMode.POST_PAID if kind is ECS else ChargingMode.PRE_PAID,
            availability_zone="cn-north-4a", sku_code=f"modelarts.lite.{name}",
            status="sellout" if sold_out else "normal",
        )
        for name, arch, kind, flavor_type, specification, roce, count, sold_out in DEMO_FLAVORS
    ]  # fmt: skip


def _spec(
    name: str, arch: Arch, kind: ServerType, status: ImageStatus, accelerator: str
) -> ImageSpec:
    versions = dict(_split_version(found) for found in _VERSION.findall(name))
    return ImageSpec(
        name=name,
        arch=arch,
        server_type=kind,
        status=status,
        created_at=created_at(name),
        os=name.split("-", 1)[0].rstrip("0123456789."),
        os_version=name.split("-", 1)[0].lstrip(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
        ),
        accelerator=accelerator,
        cann_version=versions.get("CANN", ""),
        driver_version=versions.get("NVIDIA", ""),
        cuda_version=versions.get("CUDA", ""),
    )


def _split_version(found: str) -> tuple[str, str]:
    for prefix in ("CANN", "NVIDIA-", "CUDA"):
        if found.startswith(prefix):
            return prefix.rstrip("-"), found[len(prefix) :]
    raise AssertionError(found)
