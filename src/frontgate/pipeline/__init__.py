"""The request pipeline, in order. Each stage is one module named after it:

1. ``route``                 — API → stage → resource/method from Host and path
2. policy stages, chosen per method at compile time by ``plan`` (absent when not configured):
   observe (execution log, tracing: ``frontgate.observe``) → ``authorize`` (resource policy,
   then ``AWS_IAM`` SigV4, ``lambda_authorizer`` or ``cognito``) → ``api_key`` and ``throttle``
   (usage plans, stage and account limits, quotas: ``frontgate.traffic``) → ``validation``
3. ``integration_request``   — build the backend request (HTTP) / status (MOCK)
4. integration               — call the backend (``frontgate.pipeline.integrations``: HTTP, MOCK,
   AWS_PROXY via ``frontgate.functions``)
5. ``integration_response``  — map the backend's answer to the method response
6. ``method_response``       — AWS's per-response headers
7. ``access_log``            — the global JSON access log; per-stage ``$context`` formats and
   metrics are written by ``frontgate.observe`` in the same place

Failures at any stage are ``errors.GatewayError``s rendered by ``gateway_response``. The runner
that strings the stages together is ``frontgate.pipeline.runner.Pipeline``.
"""
