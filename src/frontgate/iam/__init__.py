"""IAM for the data plane: the policy language, SigV4 verification, and the users and access keys
requests are signed with. The IAM management API is ``frontgate.admin.iam``."""

from __future__ import annotations

from frontgate.iam.conditions import PolicyError
from frontgate.iam.policy import compile_policy

# API Gateway's answer to a policy it cannot parse (PutRestApi / UpdateRestApi).
INVALID_POLICY = "Invalid policy document. Please check the policy syntax and try again."


def resource_policy_error(policy: str | None) -> str | None:
    """Why ``policy`` cannot be a REST API's resource policy, or None when it can."""
    if not policy:
        return None
    try:
        compile_policy(policy, resource_prefix="arn:aws:execute-api:r:a:i/", need_principal=True)
    except PolicyError as exc:
        return f"{INVALID_POLICY} ({exc})"
    return None
