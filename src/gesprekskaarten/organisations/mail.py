"""The mails an organisation sends: plain text, in the language active when they are sent (the
sender's: the receiver's is not known yet)."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone


def send_invitation(invitation, link: str) -> None:
    context = {
        "invitation": invitation,
        "organisation": invitation.organisation,
        "inviter": invitation.invited_by,
        "role": invitation.get_role_display(),
        "teams": [team.name for team in invitation.teams.all()],
        "link": link,
        "expires_at": timezone.localtime(invitation.expires_at),
    }
    subject = render_to_string("organisations/mail/invitation_subject.txt", context)
    body = render_to_string("organisations/mail/invitation.txt", context)
    send_mail(
        " ".join(subject.split()),
        body,
        settings.DEFAULT_FROM_EMAIL,
        [invitation.email],
    )
