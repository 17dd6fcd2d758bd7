"""PutRestApi: fold an imported definition into an existing API (overwrite or merge mode)."""

from __future__ import annotations

import copy
from typing import Any

from frontgate import ids
from frontgate.definition.model import ApiDefinition, Doc

from .errors import OpenApiImportError
from .resources import ResourceTree, split_path

MERGE_MODES = ("overwrite", "merge")


def merge_definitions(
    existing: ApiDefinition, incoming: ApiDefinition, mode: str, *, source: str = "<input>"
) -> ApiDefinition:
    """A new definition; neither argument is modified.

    ``overwrite`` replaces everything but the API id, root resource id, creation date and tags.
    ``merge`` adds the incoming paths and methods to the existing tree (a method present in
    both is replaced), keeping existing resource ids where paths match; models, authorizers
    and validators are matched by name, gateway responses by type.
    """
    if mode not in MERGE_MODES:
        raise OpenApiImportError(source, f"mode must be one of {', '.join(MERGE_MODES)}")
    api_id = existing.rest_api["id"]
    root_id = existing.rest_api["rootResourceId"]
    inc = copy.deepcopy(incoming)
    _rebase_models(inc.models, incoming.rest_api["id"], api_id)
    if mode == "overwrite":
        return _overwrite(existing, inc, root_id)

    out = copy.deepcopy(existing)
    out.warnings = list(inc.warnings)
    _merge_rest_api(out.rest_api, inc.rest_api)
    auth_ids = _merge_named(out.authorizers, inc.authorizers, "name")
    validator_ids = _merge_named(out.request_validators, inc.request_validators, "name")
    _merge_named(out.models, inc.models, "name")
    _merge_named(out.gateway_responses, inc.gateway_responses, "responseType")

    tree = ResourceTree.from_resources(out.resources, source)
    for res in sorted(inc.resources, key=lambda r: str(r["path"])):
        target = tree.ensure(split_path(res["path"]), f"paths.{res['path']}", new_id=res["id"])
        for verb, method in res.get("resourceMethods", {}).items():
            _remap_method(method, auth_ids, validator_ids, res["id"], target["id"])
            target.setdefault("resourceMethods", {})[verb] = method
    out.resources = tree.resources()
    return out


def _overwrite(existing: ApiDefinition, inc: ApiDefinition, root_id: str) -> ApiDefinition:
    old_root = inc.rest_api["rootResourceId"]
    rest = inc.rest_api
    rest["id"] = existing.rest_api["id"]
    rest["rootResourceId"] = root_id
    rest["createdDate"] = existing.rest_api.get("createdDate", rest.get("createdDate"))
    rest["tags"] = copy.deepcopy(existing.rest_api.get("tags", {}))
    for res in inc.resources:
        if res["id"] == old_root:
            res["id"] = root_id
            for method in res.get("resourceMethods", {}).values():
                _remap_method(method, {}, {}, old_root, root_id)
        if res.get("parentId") == old_root:
            res["parentId"] = root_id
    return inc


def _rebase_models(models: list[Doc], old_api: str, new_api: str) -> None:
    """Model $refs embed the API id (AWS's absolute model URLs); point them at the target API."""
    old, new = f"/restapis/{old_api}/models/", f"/restapis/{new_api}/models/"
    for model in models:
        if isinstance(model.get("schema"), str):
            model["schema"] = model["schema"].replace(old, new)


def _merge_rest_api(rest: Doc, incoming: Doc) -> None:
    types = list(rest.get("binaryMediaTypes", []))
    types += [t for t in incoming.get("binaryMediaTypes", []) if t not in types]
    if types:
        rest["binaryMediaTypes"] = types
    # The document's title and version become the API's, as in overwrite mode (recorded).
    for key in ("name", "version", "description", "policy", "minimumCompressionSize"):
        if key in incoming:
            rest[key] = incoming[key]


def _merge_named(current: list[Doc], incoming: list[Doc], key: str) -> dict[str, str]:
    """Replace same-named entries in place (keeping their ids); return incoming id -> final id."""
    by_key = {doc[key]: i for i, doc in enumerate(current)}
    used = {doc.get("id") for doc in current}
    mapping: dict[str, str] = {}
    for doc in incoming:
        original = doc.get("id")
        if doc[key] in by_key:
            index = by_key[doc[key]]
            if "id" in current[index]:
                doc["id"] = current[index]["id"]
            current[index] = doc
        else:
            # Fresh ids are random, so a clash with an existing one is unlikely but possible.
            while "id" in doc and doc["id"] in used:
                doc["id"] = ids.short_id()
            current.append(doc)
            used.add(doc.get("id"))
        if original is not None:
            mapping[str(original)] = str(doc["id"])
    return mapping


def _remap_method(
    method: Doc, auth_ids: dict[str, str], validator_ids: dict[str, str], old: str, new: str
) -> None:
    if method.get("authorizerId") in auth_ids:
        method["authorizerId"] = auth_ids[method["authorizerId"]]
    if method.get("requestValidatorId") in validator_ids:
        method["requestValidatorId"] = validator_ids[method["requestValidatorId"]]
    integration: Any = method.get("methodIntegration")
    if isinstance(integration, dict) and integration.get("cacheNamespace") == old:
        integration["cacheNamespace"] = new
