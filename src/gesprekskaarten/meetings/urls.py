from django.urls import path

from gesprekskaarten.core import converters  # noqa: F401  (registers <id:...>)

from .views import discussion, facilitator, mirror, participant

app_name = "meetings"

urlpatterns = [
    # Participants: no account, a code and a cookie.
    path("doe-mee/", participant.join_start, name="join_start"),
    path("doe-mee/<str:code>/", participant.join, name="join"),
    path("g/<str:code>/", participant.gesprek, name="gesprek"),
    path("g/<str:code>/kaart/<slug:principle_slug>/", participant.card, name="card"),
    path("g/<str:code>/antwoord/", participant.answer, name="answer"),
    path("g/<str:code>/notities/", participant.note_add, name="note_add"),
    path("g/<str:code>/notities/<id:note_id>/", participant.note_edit, name="note_edit"),
    path("g/<str:code>/stemmen/", discussion.ballot, name="ballot"),
    # Facilitators: logged in, member of the gesprek's team.
    path("begeleiden/", facilitator.dashboard, name="dashboard"),
    path("begeleiden/nieuw/", facilitator.new, name="new"),
    # A leader's mirror (views/mirror.py): its pages are its leader's only.
    path("begeleiden/spiegel/nieuw/", mirror.new, name="mirror_new"),
    path("begeleiden/<uuid:public_id>/spiegel/zelfbeeld/", mirror.self_view, name="self_view"),
    path(
        "begeleiden/<uuid:public_id>/spiegel/vergelijking/",
        mirror.comparison,
        name="comparison",
    ),
    path("begeleiden/<uuid:public_id>/spiegel/delen/", mirror.share, name="share"),
    path("begeleiden/<uuid:public_id>/", facilitator.control, name="control"),
    path("begeleiden/<uuid:public_id>/scherm/", facilitator.presenter_screen, name="presenter"),
    path("begeleiden/<uuid:public_id>/qr.svg", facilitator.qr_code, name="qr"),
    path("begeleiden/<uuid:public_id>/stap/", facilitator.change_step, name="step"),
    path(
        "begeleiden/<uuid:public_id>/scherm/pagina/",
        facilitator.presenter_page,
        name="presenter_page",
    ),
    path("begeleiden/<uuid:public_id>/einde/", facilitator.end, name="end"),
    path("begeleiden/<uuid:public_id>/vraag/", facilitator.change_question, name="question"),
    path("begeleiden/<uuid:public_id>/timer/", facilitator.timer, name="timer"),
    path(
        "begeleiden/<uuid:public_id>/notities/<id:note_id>/",
        facilitator.hide_note,
        name="hide_note",
    ),
    # Rode draden and dot voting (views/discussion.py).
    path("begeleiden/<uuid:public_id>/rode-draden/", discussion.theme_page, name="themes"),
    path(
        "begeleiden/<uuid:public_id>/rode-draden/nieuw/",
        discussion.theme_create,
        name="theme_create",
    ),
    path(
        "begeleiden/<uuid:public_id>/rode-draden/<id:theme_id>/naam/",
        discussion.theme_rename,
        name="theme_rename",
    ),
    path(
        "begeleiden/<uuid:public_id>/rode-draden/<id:theme_id>/samenvoegen/",
        discussion.theme_merge,
        name="theme_merge",
    ),
    path(
        "begeleiden/<uuid:public_id>/rode-draden/<id:theme_id>/splitsen/",
        discussion.theme_split,
        name="theme_split",
    ),
    path(
        "begeleiden/<uuid:public_id>/rode-draden/<id:theme_id>/verwijderen/",
        discussion.theme_delete,
        name="theme_delete",
    ),
    path(
        "begeleiden/<uuid:public_id>/rode-draden/notities/<id:note_id>/",
        discussion.note_theme,
        name="note_theme",
    ),
    path("begeleiden/<uuid:public_id>/stemming/", discussion.vote_open, name="vote_open"),
    path("begeleiden/<uuid:public_id>/stemming/sluiten/", discussion.vote_close, name="vote_close"),
]
