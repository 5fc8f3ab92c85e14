"""What the gesprek pages need to show agreements: one call from each of the meeting views.

Participants see a read-only list during the review and the discussion; the facilitator's
control page also gets the forms to mark progress, make agreements and set the follow-up date.
"""

from django.urls import reverse

from gesprekskaarten.meetings.models import Gesprek, Step
from gesprekskaarten.meetings.themes import shown_themes

from . import services
from .forms import FollowUpForm, StatusForm


def status_form(agreement) -> StatusForm:
    """Prefixed, so that many of these forms fit on one page with unique field ids."""
    return StatusForm(
        prefix=f"a{agreement.pk}",
        initial={"status": agreement.status, "reason": agreement.drop_reason},
    )


def _urls(agreement, gesprek: Gesprek | None) -> dict:
    """Changes made on a gesprek's page are recorded as made during that gesprek."""
    if gesprek is None:
        return {
            "action": reverse("agreements:status", args=[agreement.pk]),
            "edit_url": reverse("agreements:edit", args=[agreement.pk]),
        }
    args = [gesprek.public_id, agreement.pk]
    return {
        "action": reverse("agreements:status_during", args=args),
        "edit_url": reverse("agreements:edit_during", args=args),
    }


def manage_items(agreements, gesprek: Gesprek | None = None) -> list[dict]:
    return [{"agreement": a, "form": status_form(a), **_urls(a, gesprek)} for a in agreements]


def _shown_agreements(gesprek: Gesprek):
    if gesprek.step == Step.REVIEW:
        return "review", services.review_agreements(gesprek)
    return "made", services.agreements_of(gesprek)


def participant_context(gesprek: Gesprek) -> dict:
    if gesprek.step not in services.LIVE_STEPS:
        return {}
    mode, agreements = _shown_agreements(gesprek)
    return {"agreements_mode": mode, "agreement_items": [{"agreement": a} for a in agreements]}


def facilitator_context(gesprek: Gesprek, *, presenter: bool = False) -> dict:
    if gesprek.step in (Step.LOBBY, Step.MARKING):
        return {"has_review": gesprek.step == Step.LOBBY and services.has_review(gesprek)}
    if gesprek.step == Step.CLOSED:
        return {}  # the close summary shows what was agreed
    if presenter and gesprek.step not in services.LIVE_STEPS:
        return {}  # the room sees the list where the participants see it too
    mode, agreements = _shown_agreements(gesprek)
    context = {"agreements_mode": mode}
    if presenter:  # the room's screen: the list only
        context["agreement_items"] = [{"agreement": a} for a in agreements]
        return context
    context["agreement_items"] = manage_items(agreements, gesprek)
    if gesprek.step in services.MAKING_STEPS:
        context["themes"] = shown_themes(gesprek)
        context["follow_up_form"] = FollowUpForm(initial={"follow_up_on": gesprek.follow_up_on})
    return context
