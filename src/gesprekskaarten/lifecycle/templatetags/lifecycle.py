from django import template

from gesprekskaarten.organisations.policy import administered_organisations
from gesprekskaarten.teams.models import Team

register = template.Library()


@register.inclusion_tag("lifecycle/_team_links.html", takes_context=True)
def team_lifecycle_links(context, team_slug):
    """The archive download and the delete link of a team, for its organisation's
    administrators only (organisations/policy.py); nothing for anyone else."""
    request = context.get("request")
    user = getattr(request, "user", None)
    administers = (
        user is not None
        and Team.objects.filter(
            slug=team_slug, organisation__in=administered_organisations(user)
        ).exists()
    )
    return {"team_slug": team_slug, "administers": administers}
