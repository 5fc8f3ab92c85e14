"""A second factor for local accounts: a code from an authenticator app (TOTP), with one-time
recovery codes for a lost phone (docs/two-factor.md).

Built on django-otp: one TOTPDevice per account (unconfirmed while being set up, confirmed once
its first code was right) and one StaticDevice holding the recovery codes. A recovery code is
stored as a keyed hash (`_stored`), never as the code itself: the static plugin compares what
it is given with what it stored, so it is given the hash of what the person typed.
"""

import base64
import io
import secrets

import segno
from django.db import transaction
from django.utils.crypto import salted_hmac
from django_otp import verify_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from gesprekskaarten.audit.models import Action
from gesprekskaarten.audit.services import record
from gesprekskaarten.organisations.policy import administered_organisations

RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: easy to type over
RECOVERY_LENGTH = 10  # about 49 bits each
DEVICE_NAME = "app"
RECOVERY_NAME = "recovery codes"


# -- what an account has ------------------------------------------------------------------


def app_device(user) -> TOTPDevice | None:
    """The account's confirmed authenticator app, if it has one."""
    if not getattr(user, "pk", None):
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_second_factor(user) -> bool:
    return bool(getattr(user, "pk", None)) and (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    )


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def required_by_organisation(user) -> bool:
    """True when `user` administers an organisation that asks its administrators for a second
    factor (Organisation.admins_need_second_factor)."""
    return administered_organisations(user).filter(admins_need_second_factor=True).exists()


# -- setting it up ------------------------------------------------------------------------


def start_setup(user) -> TOTPDevice:
    """A new, unconfirmed app device with a fresh secret (an earlier unfinished one goes)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def device_being_set_up(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def secret_text(device: TOTPDevice) -> str:
    """The secret as an app expects it typed in: base32, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> bytes:
    svg = io.BytesIO()
    segno.make(device.config_url, error="m").save(
        svg, kind="svg", scale=6, border=2, dark="#000", light="#fff", xmldecl=False
    )
    return svg.getvalue()


def confirm_setup(user, device: TOTPDevice, code: str) -> list[str] | None:
    """Switch the app on when `code` is right; returns the new recovery codes (shown once),
    or None for a wrong code. Any earlier app of the account is replaced."""
    with transaction.atomic():
        if device.confirmed or device.user_id != user.pk or not device.verify_token(clean(code)):
            return None
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = new_recovery_codes(user)
        record(user, Action.SECOND_FACTOR_ADDED, target=user.get_username())
    return codes


def new_recovery_codes(user) -> list[str]:
    """Replace the account's recovery codes with RECOVERY_CODES new ones; returns them (the
    only moment they exist in readable form)."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))]
    while len(codes) < RECOVERY_CODES:
        code = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        if code not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create(StaticToken(device=device, token=_stored(c)) for c in codes)
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def remove(user, actor=None) -> bool:
    """Switch the second factor off: the app and the recovery codes go. `actor` is who did it
    (the person themself, or None for the command line). Returns whether there was one."""
    with transaction.atomic():
        had = has_second_factor(user)
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        if had:
            record(
                actor,
                Action.SECOND_FACTOR_REMOVED,
                target=user.get_username(),
                by="command line" if actor is None else "self",
            )
    return had


# -- checking a code ----------------------------------------------------------------------


def clean(code: str) -> str:
    """What someone typed, without spaces and dashes, in lower case."""
    return "".join(str(code or "").split()).replace("-", "").lower()[:32]


def verify(user, code: str):
    """The device that accepts `code` (the app's current code, or an unused recovery code,
    which is used up by this), or None."""
    code = clean(code)
    if not code:
        return None
    if code.isdigit() and len(code) < RECOVERY_LENGTH:
        device = app_device(user)
        return device and verify_token(user, device.persistent_id, code)
    recovery = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if recovery is None or not has_second_factor(user):
        return None
    return verify_token(user, recovery.persistent_id, _stored(code))


def proves_owner(user, proof: str) -> bool:
    """A current code from the account's app, or its password (not a recovery code: those are
    for logging in without the phone)."""
    code = clean(proof)
    if code.isdigit() and len(code) < RECOVERY_LENGTH:
        device = app_device(user)
        if device is not None and verify_token(user, device.persistent_id, code) is not None:
            return True
    return user.check_password(proof)


def is_recovery_device(device) -> bool:
    return isinstance(device, StaticDevice)


def _stored(code: str) -> str:
    """How a recovery code is kept: a hash keyed with SECRET_KEY, 16 characters (the static
    plugin's column). A copy of the database alone gives no usable code."""
    digest = salted_hmac("gesprekskaarten.recovery-code", code, algorithm="sha256").digest()
    return base64.b32encode(digest).decode("ascii")[:16].lower()
