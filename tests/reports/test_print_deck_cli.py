"""`gesprekskaarten print-deck SLUG -o FILE [--lang] [--layout] [--base-url]`."""

import pytest

from gesprekskaarten.cli import main
from gesprekskaarten.reports import files
from tests.reports import pdfcheck

pytestmark = pytest.mark.django_db
SLUG = "ambtelijk-vakmanschap"


def test_prints_the_deck(tmp_path, capsys):
    out = tmp_path / "cards.pdf"
    args = ["print-deck", SLUG, "-o", str(out), "--lang", "en", "--layout", "a4-4up"]
    assert main([*args, "--base-url", "https://gesprek.example.nl"]) == 0
    assert f"Wrote {out}" in capsys.readouterr().out
    pdf = out.read_bytes()
    assert pdfcheck.xmp_value(pdf, "dc:language") == ["en"]
    assert pdfcheck.qr_codes(pdf)[0][0][0].startswith("https://gesprek.example.nl/kaarten/")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cards.pdf"]


def test_replaces_an_existing_file_whole(tmp_path):
    out = tmp_path / "cards.pdf"
    out.write_bytes(b"old")
    assert main(["print-deck", SLUG, "-o", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF-")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cards.pdf"]


def assert_fails(args, message, capsys, code=1):
    assert main(args) == code
    assert message in capsys.readouterr().err


def test_unknown_deck(tmp_path, capsys):
    out = tmp_path / "cards.pdf"
    assert_fails(["print-deck", "bestaat-niet", "-o", str(out)], "There is no deck", capsys)
    assert not out.exists()


def test_unknown_language(tmp_path, capsys):
    out = tmp_path / "cards.pdf"
    message = "has no language 'de'; choose from nl, en"
    assert_fails(["print-deck", SLUG, "-o", str(out), "--lang", "de"], message, capsys)
    assert list(tmp_path.iterdir()) == []


def test_unknown_layout(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["print-deck", SLUG, "-o", str(tmp_path / "c.pdf"), "--layout", "a5"])
    assert exit_.value.code == 2
    assert "invalid choice: 'a5'" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_not_a_pdf_name(tmp_path, capsys):
    out = tmp_path / "cards.png"
    assert_fails(["print-deck", SLUG, "-o", str(out)], "use a name ending in .pdf", capsys)
    assert list(tmp_path.iterdir()) == []


def test_missing_folder(tmp_path, capsys):
    out = tmp_path / "nope" / "cards.pdf"
    message = f"Cannot write {out}: No such file or directory"
    assert_fails(["print-deck", SLUG, "-o", str(out)], message, capsys)
    assert list(tmp_path.iterdir()) == []


def test_output_is_a_folder(tmp_path, capsys):
    (tmp_path / "cards.pdf").mkdir()
    message = "Cannot write"
    assert_fails(["print-deck", SLUG, "-o", str(tmp_path / "cards.pdf")], message, capsys)
    assert [p.name for p in tmp_path.iterdir()] == ["cards.pdf"], "no temporary file left"


def test_folder_without_permission(tmp_path, capsys, monkeypatch):
    # Simulated, because the tests may run as root, who may write anywhere.
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(files.os, "open", refuse)
    message = f"Cannot write {tmp_path / 'cards.pdf'}: Permission denied"
    assert_fails(["print-deck", SLUG, "-o", str(tmp_path / "cards.pdf")], message, capsys)
    assert list(tmp_path.iterdir()) == []


def test_failure_while_writing_keeps_the_old_file(tmp_path, capsys, monkeypatch):
    out = tmp_path / "cards.pdf"
    out.write_bytes(b"old cards")

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", disk_full)
    message = "No space left on device"
    assert_fails(["print-deck", SLUG, "-o", str(out)], message, capsys)
    assert out.read_bytes() == b"old cards"
    assert [p.name for p in tmp_path.iterdir()] == ["cards.pdf"]
