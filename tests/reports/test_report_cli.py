"""`gesprekskaarten report GESPREK -o FILE [--format] [--lang]` and `report --team SLUG -o FILE`."""

import json

import pytest

from gesprekskaarten.cli import main
from gesprekskaarten.reports import files
from tests.reports import pdfcheck
from tests.reports.builders import closed_gesprek

pytestmark = pytest.mark.django_db


@pytest.fixture
def built():
    return closed_gesprek(people=3, cards=1, threshold=3)


def assert_fails(args, message, capsys, folder, code=1):
    assert main(args) == code
    assert message in capsys.readouterr().err
    assert list(folder.iterdir()) == [], "no file, not even half a one"


@pytest.mark.parametrize("extension", ["pdf", "html", "md", "csv", "json"])
def test_writes_every_format(built, tmp_path, capsys, extension):
    out = tmp_path / f"verslag.{extension}"
    assert main(["report", str(built.gesprek.public_id), "-o", str(out), "--lang", "en"]) == 0
    assert f"Wrote {out}" in capsys.readouterr().out
    data = out.read_bytes()
    assert data
    if extension == "json":
        assert json.loads(data)["gesprek"]["id"] == str(built.gesprek.public_id)
    if extension == "pdf":
        assert pdfcheck.xmp_value(data, "dc:language") == ["en"]
    assert [p.name for p in tmp_path.iterdir()] == [out.name]


def test_format_option_and_default_language(built, tmp_path):
    out = tmp_path / "export.txt"
    assert main(["report", str(built.gesprek.public_id), "-o", str(out), "--format", "json"]) == 0
    assert json.loads(out.read_text())["language"] == "nl"


def test_team_history(built, tmp_path, capsys):
    out = tmp_path / "geschiedenis.pdf"
    assert main(["report", "--team", built.gesprek.team.slug, "-o", str(out), "--lang", "en"]) == 0
    assert "the history of team" in capsys.readouterr().out
    assert f"History of {built.gesprek.team.name}" in pdfcheck.all_text(out.read_bytes())


def test_unknown_gesprek(tmp_path, capsys):
    out = str(tmp_path / "r.pdf")
    missing = "2f1c8e0a-1111-4222-8333-444455556666"
    assert_fails(
        ["report", missing, "-o", out], f"There is no gesprek '{missing}'", capsys, tmp_path
    )
    assert_fails(
        ["report", "not-an-id", "-o", out], "There is no gesprek 'not-an-id'", capsys, tmp_path
    )


def test_open_gesprek(tmp_path, capsys):
    built = closed_gesprek(people=3, close=False)
    args = ["report", str(built.gesprek.public_id), "-o", str(tmp_path / "r.md")]
    assert_fails(args, "has not ended yet; it is at the step 'Discussion'", capsys, tmp_path)


def test_unsupported_format(built, tmp_path, capsys):
    args = ["report", str(built.gesprek.public_id), "-o", str(tmp_path / "r.docx")]
    assert_fails(args, "a report cannot be a .docx file", capsys, tmp_path)
    args = ["report", str(built.gesprek.public_id), "-o", str(tmp_path / "verslag")]
    assert_fails(args, "a file without an extension", capsys, tmp_path)
    with pytest.raises(SystemExit) as exit_:
        main(["report", str(built.gesprek.public_id), "-o", "x.pdf", "--format", "docx"])
    assert exit_.value.code == 2


def test_team_history_is_only_a_pdf_and_needs_a_known_team(built, tmp_path, capsys):
    slug = built.gesprek.team.slug
    args = ["report", "--team", slug, "-o", str(tmp_path / "h.md")]
    assert_fails(args, "a team history is a PDF", capsys, tmp_path)
    args = ["report", "--team", "bestaat-niet", "-o", str(tmp_path / "h.pdf")]
    assert_fails(args, f"There is no team 'bestaat-niet'. Known teams: {slug}", capsys, tmp_path)


def test_gesprek_or_team_not_both_not_neither(built, tmp_path, capsys):
    out = str(tmp_path / "r.pdf")
    message = "Name one gesprek (its id) or one team"
    assert_fails(["report", "-o", out], message, capsys, tmp_path)
    both = ["report", str(built.gesprek.public_id), "--team", built.gesprek.team.slug, "-o", out]
    assert_fails(both, message, capsys, tmp_path)


def test_unwritable_path(built, tmp_path, capsys):
    out = tmp_path / "nope" / "r.pdf"
    args = ["report", str(built.gesprek.public_id), "-o", str(out)]
    assert_fails(args, f"Cannot write {out}: No such file or directory", capsys, tmp_path)


def test_folder_without_permission_leaves_nothing(built, tmp_path, capsys, monkeypatch):
    def refuse(*args, **kwargs):  # simulated: the tests may run as root
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(files.os, "open", refuse)
    args = ["report", str(built.gesprek.public_id), "-o", str(tmp_path / "r.csv")]
    assert_fails(args, "Permission denied", capsys, tmp_path)


def test_failure_while_writing_keeps_the_old_file(built, tmp_path, capsys, monkeypatch):
    out = tmp_path / "r.json"
    out.write_text("old")

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", disk_full)
    assert main(["report", str(built.gesprek.public_id), "-o", str(out)]) == 1
    assert "No space left on device" in capsys.readouterr().err
    assert out.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]
