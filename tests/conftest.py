import contextlib
import os
import time

import pytest
from django.db import transaction
from hypothesis import settings

CI = os.environ.get("CI", "").lower() == "true"

# Property tests: on a developer's machine every run tries new examples (and finds new edge
# cases, as it did for the PDF texts); in CI the examples are the same on every run, so a
# landing is decided by the code, not by the draw. Failures found locally become explicit
# regression tests.
settings.register_profile("ci", derandomize=True, database=None)
if CI:
    settings.load_profile("ci")


def pytest_sessionfinish(session, exitstatus):
    """Under CI=true a skipped test is a failure: CI must run everything."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if CI and skipped:
        reporter.write_line(
            f"CI=true: {len(skipped)} test(s) skipped, which is not allowed.", red=True
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgresql` run in the PostgreSQL pass (scripts/with-postgres.sh) only:
    on SQLite they are left out (deselected), not skipped."""
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return
    kept = [item for item in items if item.get_closest_marker("postgresql") is None]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Every test starts with no rate-limit counters (they live in this process's memory)."""
    from gesprekskaarten.core import ratelimit

    ratelimit.reset()
    yield
    ratelimit.reset()


@pytest.fixture(autouse=True)
def commits_run_their_hooks(monkeypatch):
    """In a test inside Django's test transaction, the end of the outermost block of the code
    under test is where production commits: run the on-commit hooks there, as a commit does.

    Django's TestCase keeps every hook until the test's own transaction rolls back, and then
    drops them, so code that does work after its commit (live.publish renders an event's content
    and announces it then) would never do it in such a test. Tests marked
    `django_db(transaction=True)` commit for real and are not affected."""
    original = transaction.Atomic.__exit__

    def exit_and_commit(self, exc_type, exc_value, traceback):
        result = original(self, exc_type, exc_value, traceback)
        connection = transaction.get_connection(self.using)
        blocks = connection.atomic_blocks
        if (
            exc_type is None
            and blocks
            and all(block._from_testcase for block in blocks)
            and not connection.needs_rollback
        ):
            while connection.run_on_commit:
                hooks, connection.run_on_commit = connection.run_on_commit, []
                for _savepoints, hook, robust in hooks:
                    if robust:  # as Django runs robust hooks: a failure does not stop the rest
                        with contextlib.suppress(Exception):
                            hook()
                    else:
                        hook()
        return result

    monkeypatch.setattr(transaction.Atomic, "__exit__", exit_and_commit)


@pytest.fixture
def whole_window():
    """Rate limits count in fixed windows of a minute on the wall clock. A test that expects the
    n-th hit to be refused starts with at least 20 s of its window left, so that its hits are
    not split over two windows (and the n-th let through) when the run is slow."""
    left = 60 - time.time() % 60
    if left < 20:
        time.sleep(left + 0.05)
