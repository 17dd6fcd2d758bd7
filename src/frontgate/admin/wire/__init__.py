"""One wire layer for every management API, driven by botocore's service models.

- ``model.py``: a service's model (``apigateway``, ``lambda``, ``apigatewayv2``, ``iam``...),
  loaded once per process.
- ``routes.py``: a rest-json operation found by method, path and query literals.
- ``restjson.py``: a rest-json input read from the URI, query string, headers and body, checked
  against its shape; an output written through its shape. What a service words differently (its
  error types and texts, Coral's member paths, recorded enum orders) is a ``Dialect``: data each
  service's own ``wire.py`` holds (``admin/apigateway/wire.py``, ``admin/lambda_/wire.py``).
- ``query.py``: the query protocol (IAM, STS): form parameters checked against the model, XML out.
- ``rules.py``: the constraint texts both protocols share (``Member must ...``).
"""
