"""The request pipeline, in order. Each stage is one module named after it:

1. ``route``                 — API → stage → resource/method from Host and path
2. ``integration_request``   — build the backend request (HTTP) / status (MOCK)
3. ``integration``           — call the backend (``frontgate.integrations``)
4. ``integration_response``  — map the backend's answer to the method response
5. ``method_response``       — AWS's per-response headers
6. ``access_log``            — one line per request

Failures at any stage are ``errors.GatewayError``s rendered by ``gateway_response``. The runner
that strings the stages together is ``frontgate.pipeline.runner.Pipeline``.
"""
