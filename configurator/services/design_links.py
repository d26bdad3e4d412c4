""""E-mail me this design": a private, signed, expiring link that puts a design in the My designs
of whatever device opens it, for the person it was mailed to. No account needed.

The link is a django.core.signing token (timestamped, salted, checked with max_age =
settings.ATELIER_DESIGN_LINK_MAX_AGE) holding the build id and a keyed hash (HMAC with the
SECRET_KEY) of the e-mail address, never the address itself: the address stays out of URLs,
server logs, browser history and Referer headers, and nobody without the server's key can test
guesses against the hash. Opening the link asks for the address it was sent to; only the
matching one adds the design (wrong guesses are rate limited). So a link that is forwarded,
leaked or picked up by a mail scanner opens nothing on its own, and GET never changes anything.

The device that opens it gets its own copy (services.build_copy), as with a remix: ownership
stays one device per build, and each device edits, orders and erases its designs on its own.
Opening the link again on that device shows the same copy.
"""

from __future__ import annotations

import hmac
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.crypto import salted_hmac

from configurator import signals
from configurator.identity import Owner
from configurator.models import Build
from configurator.services.builds import BuildInvalid, BuildNotFound, build_copy

SALT = "atelier.design-link"
TOKEN_MAX = 300  # far longer than any token this module makes; longer input is not even parsed

logger = logging.getLogger(__name__)


class LinkInvalid(Exception):
    """Not a link Atelier made (tampered, truncated, made with another key)."""


class LinkExpired(LinkInvalid):
    """A genuine link, older than settings.ATELIER_DESIGN_LINK_MAX_AGE."""


class AddressMismatch(Exception):
    """The address typed is not the one the link was sent to."""


@dataclass(frozen=True)
class DesignLink:
    build_id: uuid.UUID
    address_hash: str


def _address(email: Any) -> str:
    """The address as mailed to: trimmed and lower-cased (mail providers ignore case in practice)."""
    return email.strip().lower() if isinstance(email, str) else ""


def address_hash(email: Any) -> str:
    return salted_hmac(SALT + ".address", _address(email), algorithm="sha256").hexdigest()[:32]


def design_link_token(*, build_id: uuid.UUID | str, email: str) -> str:
    return signing.dumps({"b": str(build_id), "h": address_hash(email)}, salt=SALT)


def design_link_read(token: Any) -> DesignLink:
    """The link in `token`: LinkExpired when it is too old, LinkInvalid for anything not made here."""
    if not isinstance(token, str) or not token or len(token) > TOKEN_MAX:
        raise LinkInvalid
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.ATELIER_DESIGN_LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise LinkExpired from None
    except (signing.BadSignature, ValueError, TypeError, UnicodeError):
        raise LinkInvalid from None
    try:
        return DesignLink(uuid.UUID(data["b"]), str(data["h"]))
    except (KeyError, TypeError, ValueError, AttributeError):
        raise LinkInvalid from None


def email_clean(email: Any) -> str:
    address = email.strip() if isinstance(email, str) else ""
    try:
        validate_email(address)
    except ValidationError:
        address = ""
    if not address or len(address) > 254:
        from django.utils.translation import gettext as _

        raise BuildInvalid({"email": [_("Give a valid e-mail address.")]})
    return address


def design_link_request(*, build: Build, owner: Owner, email: Any, language: str, origin: str) -> str:
    """Queue the e-mail with a link to `owner`'s own `build`, in `language`; `origin` is the
    site's scheme and host ("https://shop.example"). Returns the cleaned address. The address is
    handed to the task; configurator stores it nowhere, and announces it (design_link_requested)
    so that personalization may keep it for a shopper who consented to marketing."""
    from configurator.tasks import design_link_email, enqueue_on_commit

    address = email_clean(email)
    if not Build.objects.owned_by(shopper_id=owner.shopper_id, user=owner.user).filter(pk=build.pk).exists():
        raise BuildNotFound
    enqueue_on_commit(design_link_email, str(build.pk), address, language, origin)
    signals.design_link_requested.send(sender=Build, owner=owner, email=address)
    return address


def design_link_send(*, build_id: str, email: str, language: str, origin: str) -> bool:
    """Send the link (made now, so its age counts from the sending). False if the build is gone."""
    from django.core.mail import send_mail
    from django.template.loader import render_to_string
    from django.urls import reverse
    from django.utils import timezone, translation
    from django.utils.translation import gettext as _

    build = Build.objects.select_related("product").filter(pk=build_id).first()
    if build is None:
        return False
    language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    token = design_link_token(build_id=build.pk, email=email)
    with translation.override(language):
        url = origin.rstrip("/") + reverse("configurator:design-link", args=[token])
        expires = timezone.localtime() + timedelta(seconds=settings.ATELIER_DESIGN_LINK_MAX_AGE)
        # The shopper's own design name is left out: the address is anyone's to type, so nothing
        # a stranger wrote goes into the mail (no spam through Atelier).
        context = {"product": build.product.name, "url": url, "expires": expires}
        subject = _("Your Atelier design: %(product)s") % context
        body = render_to_string("configurator/email/design_link.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email])
    return True


def design_link_check(*, link: DesignLink, email: Any) -> None:
    """AddressMismatch unless `email` is the address `link` was sent to (compared in constant time)."""
    if not hmac.compare_digest(address_hash(email), link.address_hash):
        raise AddressMismatch


def design_link_open(*, link: DesignLink, email: Any, owner: Owner) -> Build:
    """The design of `link` in `owner`'s My designs (see build_copy), if `email` is the address
    it was sent to: AddressMismatch if not, BuildNotFound if the design was deleted since."""
    design_link_check(link=link, email=email)
    source = Build.objects.filter(pk=link.build_id).select_related("product").first()
    if source is None:
        raise BuildNotFound
    return build_copy(source=source, owner=owner)
