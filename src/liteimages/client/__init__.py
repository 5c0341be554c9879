"""A Python client for liteimages and the ModelArts Lite Server catalog API.

from liteimages.client import Client, Settings

with Client(Settings(endpoint="http://127.0.0.1:8080", access_key="AK",
                     secret_key="SK", project_id="PROJECT")) as client:
    for image in client.iter_images(server_type="BMS"):
        print(image.name)
"""

from liteimages.client._client import AsyncClient, Client
from liteimages.client._config import Settings, from_environment, from_profile, resolve
from liteimages.client._errors import ApiError, ClientError, ConfigError
from liteimages.client._models import Flavor, Image, Page
from liteimages.client.auth import AkSkAuth, TokenAuth

__all__ = [
    "AkSkAuth",
    "ApiError",
    "AsyncClient",
    "Client",
    "ClientError",
    "ConfigError",
    "Flavor",
    "Image",
    "Page",
    "Settings",
    "TokenAuth",
    "from_environment",
    "from_profile",
    "resolve",
]
