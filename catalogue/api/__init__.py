"""The HTTP service: `create_app(settings)` and its routers."""

from catalogue.api.app import create_app

__all__ = ["create_app"]
