"""The control plane: the management APIs the admin listener serves, each wire-compatible with
the AWS service of the same name: ``apigateway/`` (REST APIs, stages, keys, usage plans, …),
``lambda_/`` (functions and their permissions) and ``iam/`` (users, access keys, policies), all
over one wire layer driven by botocore's service models (``wire/``).

``listener.py`` routes an admin-listener request to one of them (``auth.py`` checks its SigV4
signature) and serves the metrics and status endpoints. Nothing here is on
the request path of an API: the data plane (``http/``, ``pipeline/``, ``functions/``, ``iam/``,
``auth/``, ``traffic/``, ``upstream/``) never imports this package."""
