"""Frontgate: a self-hosted API gateway that does what Amazon API Gateway does, in its language."""

from frontgate import native

__version__ = "0.1.0"

# Before any request-path module is imported: load them compiled only if the build is current.
native.guard()
