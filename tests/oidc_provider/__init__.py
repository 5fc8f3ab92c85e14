"""A real OpenID Connect provider for the tests: django-oidc-provider in a small Django project
of its own, run as its own process (tests/oidc.py starts it). Nothing here is part of the
product; it plays an organisation's identity provider."""
