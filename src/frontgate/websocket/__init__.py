"""WebSocket APIs' data plane (apigatewayv2, protocolType WEBSOCKET): the upgrade on the
data-plane listener, ``$connect`` while the handshake is pending, messages routed by the
route selection expression, ``$disconnect``, AWS's limits, and ``@connections``.

- ``gateway.py``: the listener's upgrade handler and the ``@connections`` integration;
- ``handshake.py``: the opening handshake (RFC 6455 §4.2) and permessage-deflate;
- ``session.py``: one open connection over wsproto (frames, limits, timers);
- ``routing.py``: selection expressions and the route a message takes; ``messages.py``: what a
  message goes through (throttle, integration, route response, error frames);
- ``integrations.py`` / ``events.py``: calling a route's integration, Lambda events;
- ``authorizer.py`` / ``iam.py``: the Lambda REQUEST authorizer and AWS_IAM on ``$connect``;
- ``registry.py``: the connections this worker holds (in-process)."""
