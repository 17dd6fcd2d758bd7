"""Control-plane operations shared by the admin API, the CLI and ``serve --api``."""
