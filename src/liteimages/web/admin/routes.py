"""The routes of the admin API, mounted under /admin/v1."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount, Route

from liteimages.web.admin import audit, flavors, identities, images, lockouts

PREFIX = "/admin/v1"


def admin_routes() -> list[BaseRoute]:
    """Return the admin API as one mount.

    Flavor names are matched with the `path` convertor as the last segment, so a
    name that contains `/` (sent as is or as %2F) still reaches its flavor.
    """
    return [
        Mount(
            PREFIX,
            routes=[
                *_image_routes(),
                *_flavor_routes(),
                *_account_routes(),
                *_user_routes(),
                *_lockout_routes(),
                Route("/audit-events", audit.list_audit_events, methods=["GET"]),
            ],
        )
    ]


def _image_routes() -> list[BaseRoute]:
    return [
        Route("/images", images.create_image, methods=["POST"]),
        Route("/images", images.list_all_images, methods=["GET"]),
        Route("/images/{image_id}", images.get_image, methods=["GET"]),
        Route("/images/{image_id}", images.update_image, methods=["PATCH"]),
        Route("/images/{image_id}", images.delete_image, methods=["DELETE"]),
        Route("/images/{image_id}/flavors/{flavor_name:path}", images.link_flavor, methods=["PUT"]),
        Route(
            "/images/{image_id}/flavors/{flavor_name:path}",
            images.unlink_flavor,
            methods=["DELETE"],
        ),
        Route("/images/{image_id}/shares/{project_id}", images.share_image, methods=["PUT"]),
        Route("/images/{image_id}/shares/{project_id}", images.unshare_image, methods=["DELETE"]),
    ]


def _flavor_routes() -> list[BaseRoute]:
    return [
        Route("/flavors", flavors.create_flavor, methods=["POST"]),
        Route("/flavors", flavors.list_flavors, methods=["GET"]),
        Route("/flavors/{name:path}", flavors.get_flavor, methods=["GET"]),
        Route("/flavors/{name:path}", flavors.update_flavor, methods=["PATCH"]),
        Route("/flavors/{name:path}", flavors.delete_flavor, methods=["DELETE"]),
    ]


def _account_routes() -> list[BaseRoute]:
    return [
        Route("/accounts", identities.create_account, methods=["POST"]),
        Route("/accounts", identities.list_accounts, methods=["GET"]),
        Route("/accounts/{account_id}", identities.get_account, methods=["GET"]),
        Route("/accounts/{account_id}", identities.delete_account, methods=["DELETE"]),
        Route("/accounts/{account_id}/projects", identities.create_project, methods=["POST"]),
        Route("/accounts/{account_id}/projects", identities.list_projects, methods=["GET"]),
        Route("/projects/{project_id}", identities.delete_project, methods=["DELETE"]),
        Route("/accounts/{account_id}/users", identities.create_user, methods=["POST"]),
        Route("/accounts/{account_id}/users", identities.list_users, methods=["GET"]),
    ]


def _user_routes() -> list[BaseRoute]:
    roles = "/users/{user_id}/roles/{project_id}/{role}"
    keys = "/users/{user_id}/access-keys"
    return [
        Route("/users/{user_id}", identities.get_user, methods=["GET"]),
        Route("/users/{user_id}", identities.update_user, methods=["PATCH"]),
        Route("/users/{user_id}", identities.delete_user, methods=["DELETE"]),
        Route("/users/{user_id}/password", identities.set_password, methods=["PUT"]),
        Route("/users/{user_id}/roles", identities.list_roles, methods=["GET"]),
        Route(roles, identities.grant_role, methods=["PUT"]),
        Route(roles, identities.revoke_role, methods=["DELETE"]),
        Route(keys, identities.create_access_key, methods=["POST"]),
        Route(keys, identities.list_access_keys, methods=["GET"]),
        Route("/access-keys/{access_key}", identities.update_access_key, methods=["PATCH"]),
        Route("/access-keys/{access_key}", identities.delete_access_key, methods=["DELETE"]),
        Route("/users/{user_id}/tokens", identities.revoke_user_tokens, methods=["DELETE"]),
    ]


def _lockout_routes() -> list[BaseRoute]:
    return [
        Route("/lockouts", lockouts.list_lockouts, methods=["GET"]),
        Route("/lockouts", lockouts.clear_lockouts, methods=["DELETE"]),
        Route(
            "/lockouts/access-keys/{access_key}",
            lockouts.clear_access_key_lockout,
            methods=["DELETE"],
        ),
        Route("/lockouts/users/{user_id}", lockouts.clear_user_lockout, methods=["DELETE"]),
    ]
