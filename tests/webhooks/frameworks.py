"""Post requests to an app of any supported framework, through the framework's own test client."""

from __future__ import annotations

import types
import warnings
from typing import Any

__all__ = [
    "TestClient",
    "django_client",
    "django_settings",
    "post_to_app",
    "starlette_client",
    "urlpatterns",
]

Request = tuple[dict[str, str], bytes]


def django_settings() -> None:
    """Minimal Django settings, once per process (a URL conf is given per test)."""
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            DEBUG=False,
            ALLOWED_HOSTS=["testserver"],
            ROOT_URLCONF="tests.webhooks.frameworks",
            SECRET_KEY="tests-only",
            MIDDLEWARE=["django.middleware.csrf.CsrfViewMiddleware"],
            INSTALLED_APPS=[],
        )
        import django

        django.setup()


urlpatterns: list[Any] = []  # the default ROOT_URLCONF: empty


def django_client(patterns: list[Any]) -> Any:
    """A ``django.test.Client`` (CSRF checks on) for ``patterns``, as long as the test runs."""
    django_settings()
    from django.test import Client
    from django.urls import clear_url_caches, set_urlconf

    module = types.ModuleType("volt_test_urls")
    module.urlpatterns = patterns  # type: ignore[attr-defined]
    from django.conf import settings

    settings.ROOT_URLCONF = module
    set_urlconf(None)
    clear_url_caches()
    return Client(enforce_csrf_checks=True)


with warnings.catch_warnings():
    # What importing Starlette's test client warns of, none of it about volt-sdk: Starlette
    # 1.x would rather run it on httpx2 (not installed: httpx serves), and Starlette before
    # 1.x annotates it with an alias that anyio 4.16 deprecated (make test-lowest).
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    warnings.filterwarnings("ignore", message="The anyio.abc.BlockingPortal alias is deprecated")
    from starlette.testclient import TestClient


def starlette_client(app: Any) -> TestClient:
    """Starlette's (and FastAPI's) own test client of ``app``."""
    return TestClient(app)


def post_to_app(namespace: dict[str, Any], path: str, requests: list[Request]) -> list[int]:
    """The statuses of ``requests`` posted to the ``app`` (or ``urlpatterns``) of ``namespace``."""
    app = namespace.get("app")
    if app is None:
        client = django_client(namespace["urlpatterns"])
        return [
            client.generic("POST", path, body, headers=headers).status_code
            for headers, body in requests
        ]
    if hasattr(app, "test_client"):  # Flask
        flask_client = app.test_client()
        return [
            flask_client.post(path, data=body, headers=headers).status_code
            for headers, body in requests
        ]
    with starlette_client(app) as client:
        return [
            client.post(path, content=body, headers=headers).status_code
            for headers, body in requests
        ]
