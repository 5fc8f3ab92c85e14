"""Codes as an authenticator app computes them, from the device's key."""

import time

from django_otp.oath import TOTP

PASSWORD = "a-Long-pass-123"  # tests/factories.py


def app_code(device, steps_ahead=0) -> str:
    """The code an app shows now (or `steps_ahead` periods of 30 s later: an app whose clock
    runs a little ahead). A code is accepted once; the next login in the same 30 s needs the
    next period's code, which the server accepts as a step of clock drift."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"
