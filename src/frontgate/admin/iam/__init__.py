"""AWS IAM's management API (the ``iam`` query service) on the admin listener: users, access keys
and their policies. Evaluating policies and identities on the request path is ``frontgate.iam``."""
