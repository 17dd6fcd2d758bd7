"""Calls the gateway makes to AWS services on a route's behalf (REST ``AWS`` integrations by
action or path, HTTP API integration subtypes): where each service lives (``endpoints``), whose
keys sign the call (``credentials``), SigV4 signing, and the send through the upstream pool.

Contract (used by ``pipeline.integrations.aws_integration`` and ``aws_service``)::

    client: AwsClient  # env.aws, built once per worker from Settings
    done = client.send(
        ctx, service="sqs", region="us-east-1", method="POST", path="/", query="",
        headers=[("Content-Type", "application/x-www-form-urlencoded")], body=b"...",
        credentials=integ.credentials, timeout=integ.timeout,
    )  # -> Deferred[UpstreamResponse]; fails with gateway errors (already logged on ctx)

The call is signed for ``service``'s signing name; the endpoint is the configured one for the
service (``Settings.aws_endpoints``, then ``AWS_ENDPOINT_URL_<SERVICE>`` / ``AWS_ENDPOINT_URL``
as botocore reads them), else AWS's regional endpoint.

The client lives in ``frontgate.awscall.client`` (import it from there: this package stays free
of imports so that reading ``Settings`` does not load the upstream stack)."""
