from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import SetPasswordMixin
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from gesprekskaarten.meetings.retention import retention_days

from .invitations import normalise_email
from .models import Organisation, Role


def team_choices(organisation):
    return organisation.teams.filter(archived_at__isnull=True).order_by("name")


class TeamsField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return obj.name


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={
            "invalid": _("Enter an e-mail address like name@example.nl."),
            "required": _("Enter the e-mail address of the person you invite."),
        },
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=Role.choices,
        initial=Role.FACILITATOR,
        widget=forms.RadioSelect,
        help_text=_(
            "Administrators manage the organisation, its teams and people. Facilitators run "
            "gesprekken for their teams. Analysts see no team's gesprekken."
        ),
    )
    teams = TeamsField(
        label=_("Facilitator of these teams"),
        queryset=None,
        required=False,
        help_text=_("You can change this later."),
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teams"].queryset = team_choices(organisation)

    def clean_email(self):
        return normalise_email(self.cleaned_data["email"])

    def clean(self):
        data = super().clean()
        if data.get("role") == Role.ANALYST and data.get("teams"):
            self.add_error(
                "teams", _("An analyst runs no gesprekken. Choose no teams, or another role.")
            )
        return data


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, widget=forms.RadioSelect)


class MemberTeamsForm(forms.Form):
    teams = TeamsField(label=_("Facilitator of these teams"), queryset=None, required=False)

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teams"].queryset = team_choices(organisation)


class TeamForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the team"),
        max_length=120,
        error_messages={"required": _("Give the team a name.")},
    )


class SettingsForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = [
            "name",
            "facilitators_create_teams",
            "admins_need_second_factor",
            "retention_days",
        ]
        error_messages = {
            "name": {"required": _("Give the organisation a name.")},
            "retention_days": {
                "invalid": _("Type a whole number of days, e.g. 30."),
                "min_value": _("Type at least 1 day, or leave it empty."),
                "max_value": _("Type at most 3650 days (10 years), or leave it empty."),
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        site = retention_days()
        field = self.fields["retention_days"]
        field.widget.attrs.update({"inputmode": "numeric"})
        if site:
            field.widget.attrs["max"] = site
            field.help_text = _(
                "After a gesprek ended, its answers, notes and dots are deleted after this many "
                "days. This site deletes them after %(days)s days; you can choose a shorter "
                "period. Leave it empty to use %(days)s days."
            ) % {"days": site}

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Give the organisation a name."))
        return name

    def clean_retention_days(self):
        days = self.cleaned_data["retention_days"]
        site = retention_days()
        if days and site and days > site:
            raise forms.ValidationError(
                _(
                    "This site deletes answers and notes after %(days)s days. Your organisation "
                    "can choose a shorter period, not a longer one."
                )
                % {"days": site}
            )
        return days


class NewAccountForm(SetPasswordMixin, forms.Form):
    """A password for the account an invitation makes (its user name is the e-mail address)."""

    password1, password2 = SetPasswordMixin.create_password_fields(
        label1=_("Choose a password"), label2=_("The same password again")
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user  # unsaved: the validators compare the password with the address
        super().__init__(*args, **kwargs)
        for field in (self.fields["password1"], self.fields["password2"]):
            field.validators.append(MaxLengthValidator(200))
        self.fields["password1"].help_text = " ".join(
            password_validation.password_validators_help_texts()
        )

    def clean(self):
        self.validate_passwords()
        self.validate_password_for_user(self.user)
        return super().clean()


class ConfirmForm(forms.Form):
    """A button and nothing else (accept, remove, archive): the POST is the confirmation."""
