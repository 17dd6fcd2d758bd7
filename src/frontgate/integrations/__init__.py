"""Integration backends: HTTP (proxy and non-proxy), MOCK, and AWS service/Lambda calls."""
