"""`make run` pages weigh what they weigh in production: the dev settings serve the collected,
compressed static files (gzip, brotli when installed) with long-lived, hashed names."""

import re
import urllib.request


def fetch(url, encoding):
    request = urllib.request.Request(url, headers={"Accept-Encoding": encoding})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - test server
        return response.headers, response.read()


def test_the_stylesheet_is_served_compressed(server):
    _headers, html = fetch(server.url + "/", "identity")
    (css,) = re.findall(
        rb'href="(/static/gesprekskaarten/css/gesprekskaarten\.[0-9a-f]+\.css)"', html
    )
    plain_headers, plain = fetch(server.url + css.decode(), "identity")
    assert len(plain) > 50_000
    headers, body = fetch(server.url + css.decode(), "gzip, br")
    assert headers["Content-Encoding"] in {"gzip", "br"}
    assert len(body) < 20_000, len(body)
    assert "immutable" in headers["Cache-Control"]
    assert plain_headers.get("Content-Encoding") is None
