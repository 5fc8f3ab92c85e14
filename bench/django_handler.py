"""Django's own ASGI handler against ours with kept threads (core/handler.py), in one process.

    uv run python bench/django_handler.py              # 300 requests per page and handler
    uv run python bench/django_handler.py --smoke

Each handler serves the same pages, alternately, after warm-up requests; the CPU of the whole
process (all threads) per request is printed with the ratio. A throwaway SQLite database is made
with `gesprekskaarten demo`.
"""

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time

PAGES = ["/kaarten/", "/toegankelijkheid/"]


async def get(app, path: str) -> None:
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1")],
        "server": ("127.0.0.1", 80),
        "client": ("127.0.0.1", 1),
        "scheme": "http",
        "root_path": "",
    }
    messages = [{"type": "http.request", "body": b""}]
    sent = []

    async def receive():
        if messages:
            return messages.pop()
        await asyncio.sleep(60)
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    assert sent[0]["status"] == 200, (path, sent[0]["status"])


async def cpu_per_request(app, path: str, count: int) -> float:
    for _ in range(20):
        await get(app, path)
    start = time.process_time()
    for _ in range(count):
        await get(app, path)
    return (time.process_time() - start) / count * 1000


async def measure(count: int) -> None:
    from django.core.handlers.asgi import ASGIHandler

    from gesprekskaarten.asgi import django_application as kept

    plain = ASGIHandler()
    print("| page | Django's ASGIHandler: CPU ms/request | kept threads | ratio |")
    print("| --- | --- | --- | --- |")
    for path in PAGES:
        figures = {"plain": [], "kept": []}
        for _ in range(2):  # alternately, so a busy moment hits both
            figures["plain"].append(await cpu_per_request(plain, path, count))
            figures["kept"].append(await cpu_per_request(kept, path, count))
        plain_ms, kept_ms = min(figures["plain"]), min(figures["kept"])
        print(f"| {path} | {plain_ms:.2f} | {kept_ms:.2f} | {kept_ms / plain_ms:.2f}x |")
    kept.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--smoke", action="store_true", help="20 requests (tests/bench)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as var:
        os.environ.pop("DATABASE_URL", None)
        os.environ.update(
            {"GK_VAR_DIR": var, "DJANGO_SETTINGS_MODULE": "gesprekskaarten.settings.dev"}
        )
        subprocess.run(
            [sys.executable, "-m", "gesprekskaarten", "demo"], check=True, capture_output=True
        )
        asyncio.run(measure(20 if args.smoke else args.requests))
    print("figures: complete")
    return 0


if __name__ == "__main__":
    sys.exit(main())
