"""Pooled keep-alive HTTP/1.1 client the gateway uses to call HTTP and HTTP_PROXY integrations."""
