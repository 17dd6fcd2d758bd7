"""docs/COMPATIBILITY.md stays in step with the model and the registered handlers."""

from __future__ import annotations

from pathlib import Path

from frontgate.admin.apigateway import AdminApp
from frontgate.admin.wire.model import service_model


def test_compatibility_doc_matches() -> None:
    ops = service_model("apigateway")["operations"]
    implemented = set(AdminApp.implemented())
    assert implemented <= set(ops)
    assert len(implemented) >= 110
    doc = (Path(__file__).parents[3] / "docs" / "COMPATIBILITY.md").read_text()
    assert f"**{len(implemented)} of {len(ops)} operations implemented.**" in doc
    for name in ops:
        status = "implemented" if name in implemented else "not implemented"
        assert (
            f"| {name} | " in doc and f"| {status} |" in doc.split(f"| {name} | ")[1].split("\n")[0]
        )
