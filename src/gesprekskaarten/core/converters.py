"""Path converters shared by the apps' URL patterns."""

from django.urls import register_converter


class IdConverter:
    """A database id in an address: at most 18 digits, so every value fits a 64-bit integer
    column (a longer number is simply not found, instead of overflowing the database)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")
