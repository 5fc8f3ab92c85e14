#!/usr/bin/env bash
# Install the Debian packages the test suite needs, only those that are missing.
# Without root or apt-get we only report; the tests then skip (and fail under CI=true).
set -euo pipefail
packages=(chromium fonts-dejavu fonts-liberation gettext postgresql redis-server nginx
          age openssl systemd)  # the last three: tests/deploy (backup encryption, a test
                                # certificate for nginx -t, systemd-analyze verify)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$package")
done
# Java for the Nu HTML Checker (vnu-jar from package.json); any Java on the PATH will do.
command -v java >/dev/null || missing+=(default-jre-headless)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    # Debian starts these services on install; the tests run their own on other ports.
    for service in postgresql redis-server nginx; do
        service "$service" stop >/dev/null 2>&1 || true
    done
else
    echo "Missing Debian packages (tests that need them are skipped): ${missing[*]}" >&2
fi
