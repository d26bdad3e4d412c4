"""Who owns a build: a pseudonymous shopper id (signed cookie or header), or a logged-in user."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core import signing

SALT = "atelier.shopper"


@dataclass(frozen=True)
class Owner:
    shopper_id: uuid.UUID
    user: object | None = None  # a User when logged in

    @property
    def user_id(self) -> int | None:
        user = self.user
        return user.pk if user is not None and getattr(user, "is_authenticated", False) else None

    def owns(self, build) -> bool:
        """Whether `build` is this shopper's (by the cookie, or by the logged-in user)."""
        return build.owner_key == self.shopper_id or (self.user_id is not None and build.owner_user_id == self.user_id)


def sign_shopper(shopper_id: uuid.UUID) -> str:
    return signing.dumps(str(shopper_id), salt=SALT, compress=False)


def read_shopper(token: str | None) -> uuid.UUID | None:
    """The shopper id in a signed token, or None for a missing, forged or expired one."""
    if not token or len(token) > 200:
        return None
    try:
        return uuid.UUID(signing.loads(token, salt=SALT, max_age=settings.ATELIER_SHOPPER_MAX_AGE))
    except (signing.BadSignature, ValueError, TypeError):
        return None
