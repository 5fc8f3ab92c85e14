from django import template

from gesprekskaarten.accounts.signon import organisations_with_sign_on

register = template.Library()


@register.simple_tag
def sign_on_available() -> bool:
    """Whether any organisation logs its people in through its own identity provider."""
    return organisations_with_sign_on().exists()
