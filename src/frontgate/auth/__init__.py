"""Authentication for the data plane: JWT verification, OIDC issuers and per-worker auth state."""
