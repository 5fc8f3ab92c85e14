"""The Django admin shows no second-factor devices: their pages would show a person's secret
(the QR code) to a superuser. `gesprekskaarten user reset-second-factor` is the way to help
someone who lost their phone (docs/two-factor.md)."""

from django.contrib import admin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
