from django import template

from ..policy import administered_organisations, team_creating_organisations

register = template.Library()


@register.filter
def manages_organisation(user) -> bool:
    """Whether the header links to the organisation pages: for people who administer an
    organisation, or may create teams in one."""
    if not getattr(user, "is_authenticated", False):
        return False
    return administered_organisations(user).exists() or team_creating_organisations(user).exists()
