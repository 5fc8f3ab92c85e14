from tests.mail import smtp_server, smtp_settings  # noqa: F401  (fixtures)
