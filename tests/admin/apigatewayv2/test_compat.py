"""docs/COMPATIBILITY.md's apigatewayv2 table stays in step with the model and the registered
handlers."""

from __future__ import annotations

from pathlib import Path

from frontgate.admin.apigatewayv2 import AdminV2App
from frontgate.admin.wire.model import service_model

_HEADING = "# Management API compatibility (`apigatewayv2`, HTTP and WebSocket APIs)"


def test_compatibility_doc_matches() -> None:
    ops = service_model("apigatewayv2")["operations"]
    implemented = set(AdminV2App.implemented())
    assert implemented <= set(ops)
    doc = (Path(__file__).parents[3] / "docs" / "COMPATIBILITY.md").read_text()
    section = doc.split(_HEADING)[1]
    assert f"**{len(implemented)} of {len(ops)} operations implemented.**" in section
    for name in ops:
        status = "implemented" if name in implemented else "not implemented"
        row = section.split(f"\n| {name} | ")[1].split("\n")[0]
        assert f"| {status} |" in row, name
