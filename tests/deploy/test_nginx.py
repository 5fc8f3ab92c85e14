"""The shipped nginx files pass `nginx -t` as docs/operations.md installs them, and the
documented edit of Debian's nginx.conf leaves one `events` block with the raised limits.

The site files are checked as written; only the absolute paths of the installation (the
snippet, the certificate, the log files) are pointed into a temporary directory.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "nginx"
DOCS = ROOT / "docs" / "operations.md"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
OPENSSL = shutil.which("openssl")

pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed")

# Debian 12's /etc/nginx/nginx.conf as the package installs it (its first lines).
DEBIAN_NGINX_CONF = """user www-data;
worker_processes auto;
pid /run/nginx.pid;
include /etc/nginx/modules-enabled/*.conf;

events {
\tworker_connections 768;
\t# multi_accept on;
}

http {
\tsendfile on;
\tinclude /etc/nginx/conf.d/*.conf;
\tinclude /etc/nginx/sites-enabled/*;
}
"""


def installed(text: str, directory: Path) -> str:
    """The file with the installation's absolute paths pointed into `directory`."""
    text = text.replace(
        "/etc/nginx/snippets/gesprekskaarten-locations.conf",
        str(DEPLOY / "gesprekskaarten-locations.conf"),
    )
    text = re.sub(r"/etc/letsencrypt/live/[^/]+/", f"{directory}/", text)
    return text.replace("/var/log/nginx/", f"{directory}/")


def nginx_test(site: str, directory: Path) -> subprocess.CompletedProcess:
    config = directory / "nginx.conf"
    config.write_text(
        f"pid {directory / 'nginx.pid'};\n"
        f"error_log {directory / 'error.log'};\n"
        "events { worker_connections 64; }\n"
        f"http {{\n{site}\n}}\n"
    )
    return subprocess.run(
        [NGINX, "-t", "-q", "-e", str(directory / "error.log"), "-p", str(directory), "-c",
         str(config)],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip


@pytest.mark.skipif(OPENSSL is None, reason="openssl is not installed")
def test_the_tls_site_passes_nginx_t(tmp_path):
    subprocess.run(
        [OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
         "/CN=gesprek.example.nl", "-keyout", str(tmp_path / "privkey.pem"), "-out",
         str(tmp_path / "fullchain.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    site = (DEPLOY / "gesprekskaarten.conf").read_text()
    assert "upstream=$upstream_addr" in site
    result = nginx_test(installed(site, tmp_path), tmp_path)
    assert result.returncode == 0, result.stderr


def test_the_trial_site_passes_nginx_t_and_does_not_redirect(tmp_path):
    site = (DEPLOY / "gesprekskaarten-trial.conf").read_text()
    assert "FOR TRYING ONLY" in site
    assert "return 301" not in site and "Strict-Transport-Security" not in site
    assert "upstream=$upstream_addr" in site
    result = nginx_test(installed(site, tmp_path), tmp_path)
    assert result.returncode == 0, result.stderr


def test_both_sites_share_the_upstream_and_log_format():
    """The trial site is the TLS site's upstream and log format over plain HTTP: the same
    lines, so switching from one to the other changes nothing else."""

    def block(text, pattern):
        return re.search(pattern, text, re.S | re.M).group(0)

    tls = (DEPLOY / "gesprekskaarten.conf").read_text()
    trial = (DEPLOY / "gesprekskaarten-trial.conf").read_text()
    log_format = r"^log_format gesprekskaarten .*?;$"
    assert block(tls, log_format) == block(trial, log_format)
    servers = r"^\s*server 127\.0\.0\.1:\d+ .*$"
    assert re.findall(servers, tls, re.M) == re.findall(servers, trial, re.M)


def test_the_documented_nginx_conf_edit(tmp_path):
    """The `sed` lines of docs/operations.md on Debian's nginx.conf: one events block, the
    new limits once each, and nginx accepts the result."""
    docs = DOCS.read_text()
    edits = [line.strip() for line in docs.splitlines() if line.startswith("sed -i")]
    edits = [line for line in edits if line.endswith("/etc/nginx/nginx.conf")]
    assert len(edits) >= 2, "docs/operations.md: the sed lines for nginx.conf are gone"
    conf = tmp_path / "nginx.conf"
    conf.write_text(DEBIAN_NGINX_CONF)
    for edit in edits:
        command = edit.replace("/etc/nginx/nginx.conf", str(conf))
        subprocess.run(["/bin/sh", "-c", command], check=True)
    for edit in edits:  # twice: the documented edit may be repeated without harm
        subprocess.run(["/bin/sh", "-c", edit.replace("/etc/nginx/nginx.conf", str(conf))])

    text = conf.read_text()
    assert text.count("events {") == 1
    assert re.findall(r"^\s*worker_connections (\d+);", text, re.M) == ["16384"]
    assert re.findall(r"^worker_rlimit_nofile (\d+);", text, re.M) == ["65536"]
    # nginx reads it (without Debian's includes and user, which this machine may lack).
    runnable = (
        text.replace("user www-data;", "")
        .replace("pid /run/nginx.pid;", f"pid {tmp_path / 'nginx.pid'};")
        .replace("include /etc/nginx/modules-enabled/*.conf;", "")
        .replace("\tinclude /etc/nginx/conf.d/*.conf;\n\tinclude /etc/nginx/sites-enabled/*;\n", "")
    )
    conf.write_text(runnable)
    result = subprocess.run(
        [NGINX, "-t", "-q", "-e", str(tmp_path / "error.log"), "-p", str(tmp_path), "-c",
         str(conf)],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
