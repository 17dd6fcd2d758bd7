"""Mapping templates (VTL) as Amazon API Gateway runs them on REST non-proxy integrations.

``engine`` compiles template text once per deployment and renders it per request with
Frontgate's own engine (``parser`` reads the text into ``nodes``, ``codegen`` turns them into
one Python function, ``runtime`` is what that function calls; see docs/ARCHITECTURE.md
"Mapping templates"). ``inputs`` is ``$input``, ``util`` is ``$util``, ``context`` builds
``$context`` with its writable overrides, and ``values`` gives JSON values the Java-like
behaviour AWS's Velocity shows (``{a=b}`` maps). Nothing here imports the pipeline: the caller
hands in plain request data."""
