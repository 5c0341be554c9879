"""Who may administer what.

An administrator is an account's root user or a user with the `admin` role on any
project of the account. Administrators of a system account administer every
account, public images and flavors; other administrators only their own account,
its projects, users and keys, and the private images its projects own.
"""

from __future__ import annotations

from liteimages.errors import Forbidden
from liteimages.identity.principal import Principal

ADMIN_ROLE = "admin"


def is_administrator(principal: Principal) -> bool:
    """Return whether the principal administers its own account."""
    if not principal.enabled:
        return False
    return principal.is_root or any(ADMIN_ROLE in roles for roles in principal.roles.values())


def administers_system(principal: Principal) -> bool:
    """Return whether the principal administers the whole installation."""
    return principal.account_is_system and is_administrator(principal)


def administers_account(principal: Principal, account_id: str) -> bool:
    """Return whether the principal administers the account `account_id`."""
    if administers_system(principal):
        return True
    return principal.account_id == account_id and is_administrator(principal)


def require_system(principal: Principal | None, operation: str) -> None:
    """Raise `Forbidden` unless the principal is a system administrator.

    None stands for the operator on the server machine, who may do anything.
    """
    if principal is not None and not administers_system(principal):
        raise Forbidden(operation)


def require_account(principal: Principal | None, account_id: str, operation: str) -> None:
    """Raise `Forbidden` unless the principal administers the account."""
    if principal is not None and not administers_account(principal, account_id):
        raise Forbidden(operation)


def require_administrator(principal: Principal | None, operation: str) -> None:
    """Raise `Forbidden` unless the principal administers at least its own account."""
    if principal is not None and not is_administrator(principal):
        raise Forbidden(operation)
