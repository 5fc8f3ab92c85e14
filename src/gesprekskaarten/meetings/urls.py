from django.urls import path

from .views import facilitator, participant

app_name = "meetings"

urlpatterns = [
    # Participants: no account, a code and a cookie.
    path("doe-mee/", participant.join_start, name="join_start"),
    path("doe-mee/<str:code>/", participant.join, name="join"),
    path("g/<str:code>/", participant.gesprek, name="gesprek"),
    path("g/<str:code>/kaart/<slug:principle_slug>/", participant.card, name="card"),
    path("g/<str:code>/antwoord/", participant.answer, name="answer"),
    path("g/<str:code>/notities/", participant.note_add, name="note_add"),
    path("g/<str:code>/notities/<int:note_id>/", participant.note_edit, name="note_edit"),
    # Facilitators: logged in, member of the gesprek's team.
    path("begeleiden/", facilitator.dashboard, name="dashboard"),
    path("begeleiden/nieuw/", facilitator.new, name="new"),
    path("begeleiden/<uuid:public_id>/", facilitator.control, name="control"),
    path("begeleiden/<uuid:public_id>/scherm/", facilitator.presenter, name="presenter"),
    path("begeleiden/<uuid:public_id>/qr.svg", facilitator.qr_code, name="qr"),
    path("begeleiden/<uuid:public_id>/stap/", facilitator.change_step, name="step"),
    path("begeleiden/<uuid:public_id>/vraag/", facilitator.change_question, name="question"),
    path("begeleiden/<uuid:public_id>/timer/", facilitator.timer, name="timer"),
    path(
        "begeleiden/<uuid:public_id>/notities/<int:note_id>/",
        facilitator.hide_note,
        name="hide_note",
    ),
]
