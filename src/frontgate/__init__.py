"""Frontgate: a self-hosted API gateway that does what Amazon API Gateway does, in its language."""

__version__ = "0.1.0"
