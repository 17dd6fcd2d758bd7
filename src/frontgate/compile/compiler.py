"""Build the data-plane ``Snapshot`` from the config store: every stage of every REST API and
HTTP API (``compile.httpapi``), compiled from the frozen definition of the deployment it points
at, with its stage variables.

Compiled stages are cached by the identity of their inputs, so a change to one stage recompiles
only that stage — with 10,000 routes deployed a reload stays cheap."""

from __future__ import annotations

import functools
import json
import logging
import re
from typing import Any

from frontgate.compile.domains import load_domains
from frontgate.compile.function_urls import load_function_urls
from frontgate.compile.functions import load_functions
from frontgate.compile.gateway_responses import compile_gateway_responses
from frontgate.compile.httpapi import compile_http_stage, stage_inputs_key
from frontgate.compile.mappings import compile_mappings, substitute_stage_variables
from frontgate.compile.tree import StageCompileError, compile_uri
from frontgate.compile.tree import child as _child
from frontgate.compile.websocket import compile_ws_stage
from frontgate.definition import kinds
from frontgate.definition.httpapis import HttpApiDefinition
from frontgate.definition.model import ApiDefinition, Doc
from frontgate.iam.identities import load_index
from frontgate.observe.plan import method_plan, stage_plan
from frontgate.pipeline.plan import plan_method
from frontgate.pipeline.stage_inputs import StageInputs
from frontgate.snapshot.snapshot import (
    Integration,
    IntegrationResponse,
    Method,
    RouteNode,
    Snapshot,
    Stage,
)
from frontgate.state.keyring import Keyring, SecretCache
from frontgate.state.store import ConfigStore
from frontgate.traffic.keys import build_key_index
from frontgate.vtl.engine import compile_templates

log = logging.getLogger("frontgate.compile")


def _integration_responses(
    responses: dict[str, Doc] | None, stage_vars: dict[str, str]
) -> tuple[IntegrationResponse, ...]:
    patterned: list[IntegrationResponse] = []
    default: list[IntegrationResponse] = []
    for key, doc in (responses or {}).items():
        pattern = doc.get("selectionPattern")
        entry = IntegrationResponse(
            status_code=str(doc.get("statusCode", key)),
            # AWS matches the whole status code / error message against the pattern.
            pattern=re.compile(pattern, re.DOTALL) if pattern else None,
            header_mappings=compile_mappings(
                doc.get("responseParameters"), "method.response.", stage_vars
            ),
            templates=dict(doc.get("responseTemplates") or {}),
            content_handling=doc.get("contentHandling"),
            compiled=compile_templates(doc.get("responseTemplates")),
        )
        (patterned if pattern else default).append(entry)
    return (*patterned, *default)


def compile_integration(doc: Doc, stage_vars: dict[str, str]) -> Integration:
    itype = str(doc.get("type", "")).upper()
    uri = substitute_stage_variables(str(doc.get("uri") or ""), stage_vars)
    template = compile_uri(uri) if itype in ("HTTP", "HTTP_PROXY") else None
    timeout_ms = int(doc.get("timeoutInMillis") or 29000)
    return Integration(
        type=itype,
        http_method=str(doc.get("httpMethod") or "").upper(),
        uri=uri,
        uri_template=template,
        request_mappings=compile_mappings(
            doc.get("requestParameters"), "integration.request.", stage_vars
        ),
        request_templates=dict(doc.get("requestTemplates") or {}),
        passthrough=str(doc.get("passthroughBehavior") or "WHEN_NO_MATCH").upper(),
        timeout=timeout_ms / 1000.0,
        responses=_integration_responses(doc.get("integrationResponses"), stage_vars),
        content_handling=doc.get("contentHandling"),
        mock_status=_static_mock_status(itype, doc),
        credentials=doc.get("credentials") or None,
        dispatch=_dispatch(itype, uri),
        request_compiled=(
            compile_templates(doc.get("requestTemplates"))
            if itype in ("HTTP", "MOCK", "AWS")
            else None
        ),
    )


# arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function}/invocations
_LAMBDA_URI = re.compile(
    r"arn:aws[a-z-]*:apigateway:[^:]+:lambda:path/[^/]+/functions/.+/invocations"
)


def _dispatch(itype: str, uri: str) -> str:
    """The integration registry key: an ``AWS`` integration to Lambda is not one to a service."""
    if itype != "AWS":
        return ""
    return "AWS_LAMBDA" if _LAMBDA_URI.fullmatch(uri) else "AWS"


def _static_mock_status(itype: str, doc: Doc) -> int | None:
    """The status a MOCK answers without rendering anything (its fast path), or None."""
    templates: dict[str, str] = doc.get("requestTemplates") or {}
    if itype != "MOCK" or len(templates) > 1:
        return None
    # Only WHEN_NO_MATCH answers every content type alike; the others can refuse one (415).
    if str(doc.get("passthroughBehavior") or "WHEN_NO_MATCH").upper() != "WHEN_NO_MATCH":
        return None
    if not templates:
        return 200
    return _mock_status_of(next(iter(templates.values())))


@functools.lru_cache(maxsize=1024)
def _mock_status_of(template: str) -> int | None:
    # Cached by text: a large API repeats a few MOCK templates thousands of times.
    try:
        return int(json.loads(template)["statusCode"])
    except (ValueError, KeyError, TypeError):
        return None  # a VTL template: read per request


def build_tree(
    resources: list[Doc],
    stage_vars: dict[str, str],
    api: Doc | None = None,
    stage: Doc | None = None,
    inputs: StageInputs | None = None,
) -> RouteNode:
    root = RouteNode()
    # Parents before children: sorting by path depth makes every parent exist first.
    for res in sorted(resources, key=lambda r: (r.get("path", "/").count("/"), r.get("path", ""))):
        path = str(res.get("path", "/"))
        node = root
        if path != "/":
            for part in path.strip("/").split("/"):
                node = _child(node, part)
        node.resource_id = str(res["id"])
        node.path = path
        for verb, mdoc in (res.get("resourceMethods") or {}).items():
            try:
                node.methods[verb.upper()] = _method(
                    verb, mdoc, node, path, stage_vars, api, stage, inputs
                )
            except (ValueError, TypeError, KeyError, re.error) as exc:
                # Only stored rows written before their checks existed (or by hand) get here.
                raise StageCompileError(f"{verb.upper()} {path}: {exc}") from exc
    return root


def _method(
    verb: str,
    mdoc: Doc,
    node: RouteNode,
    path: str,
    stage_vars: dict[str, str],
    api: Doc | None,
    stage: Doc | None,
    inputs: StageInputs | None,
) -> Method:
    integ = mdoc.get("methodIntegration")
    return Method(
        http_method=verb.upper(),
        resource_id=node.resource_id,
        resource_path=path,
        authorization_type=str(mdoc.get("authorizationType", "NONE")),
        api_key_required=bool(mdoc.get("apiKeyRequired", False)),
        request_parameters=dict(mdoc.get("requestParameters") or {}),
        integration=compile_integration(integ, stage_vars) if integ else None,
        stages=plan_method(api or {}, stage or {}, path, mdoc, inputs),
        doc=mdoc,
        observe=method_plan(api or {}, stage or {}, path, verb.upper()),
    )


def compile_stage(defn: ApiDefinition, stage: Doc, region: str, account_id: str) -> Stage:
    stage_vars: dict[str, str] = dict(stage.get("variables") or {})
    api = defn.rest_api
    inputs = StageInputs(defn, region, account_id, str(stage["stageName"]), stage_vars)
    return Stage(
        api_id=str(api["id"]),
        api_name=str(api.get("name", "")),
        region=region,
        account_id=account_id,
        stage_name=str(stage["stageName"]),
        deployment_id=str(stage.get("deploymentId", "")),
        variables=stage_vars,
        root=build_tree(defn.resources, stage_vars, api, stage, inputs),
        gateway_responses=_gateway_responses(defn.gateway_responses, stage_vars),
        binary_media_types=tuple(api.get("binaryMediaTypes") or ()),
        api_key_source=str(api.get("apiKeySource", "HEADER")),
        doc=stage,
        observe=stage_plan(api, stage),
        min_compression=_min_compression(api),
    )


def _min_compression(api: Doc) -> int | None:
    """The API's ``minimumCompressionSize``: None (unset, or an empty value) turns compression
    off; the admin API stored only integers in 0..10485760."""
    size = api.get("minimumCompressionSize")
    if size is None or size == "":
        return None
    try:
        return max(0, int(size))
    except (TypeError, ValueError):
        return None


def _gateway_responses(docs: list[Doc], stage_vars: dict[str, str]) -> dict[str, Any]:
    try:
        return compile_gateway_responses(docs, stage_vars)
    except (ValueError, TypeError, KeyError) as exc:
        raise StageCompileError(f"gateway responses: {exc}") from exc


def _reason(exc: Exception) -> str:
    return str(exc) if isinstance(exc, StageCompileError) else f"{type(exc).__name__}: {exc}"


class Compiler:
    """Rebuilds snapshots from a store, reusing compiled stages whose inputs did not change."""

    def __init__(self, store: ConfigStore, account_id: str, keyring: Keyring | None = None) -> None:
        self.store = store
        self.account_id = account_id
        self.keyring = keyring  # decrypts API key values and IAM secrets (memory only)
        self._cache: dict[tuple[str, str, str], Stage] = {}
        # Decrypt each API key and IAM secret once, not at every rebuild.
        self._key_values = SecretCache()
        self._iam_secrets = SecretCache()
        self._domain_keys = SecretCache()  # custom domains' private keys (tls.sni)
        # Inputs that did not compile -> why: not retried (nor logged again) until they change.
        self._failed: dict[tuple[str, str, str], str] = {}

    async def build(self, generation: int) -> Snapshot:
        stages: dict[tuple[str, str], Stage] = {}
        cache: dict[tuple[str, str, str], Stage] = {}
        failed: dict[tuple[str, str, str], str] = {}
        unservable: dict[tuple[str, str], str] = {}
        apis: dict[str, Doc] = {}
        inputs: list[tuple[str, Doc, Doc, str]] = []
        for region, _parent, api in await self.store.list_all(kinds.REST_API):
            apis[str(api["id"])] = api
            for stage_doc in await self.store.list(region, kinds.STAGE, str(api["id"])):
                text = json.dumps([stage_doc, api.get("binaryMediaTypes")], sort_keys=True)
                inputs.append((region, api, stage_doc, text))
        http_ids: set[str] = set()
        for region, _parent, v2api in await self.store.list_all(kinds.V2_API):
            protocol = str(v2api.get("protocolType", "HTTP")).upper()
            api_id = str(v2api["apiId"])
            # REST's key names for what the shared code reads (id, disableExecuteApiEndpoint).
            api = {**v2api, "id": api_id}
            apis[api_id] = api
            if protocol == "HTTP":
                http_ids.add(api_id)
            # A WebSocket API's stage is routed as REST's for @connections (compile.websocket).
            for stage_doc in await self.store.list(region, kinds.V2_STAGE, api_id):
                inputs_key = stage_inputs_key(v2api, stage_doc)
                text = json.dumps([protocol, inputs_key], sort_keys=True)
                inputs.append((region, api, stage_doc, text))
        for region, api, stage_doc, inputs_key in inputs:
            key = (region, str(api["id"]), inputs_key)
            name = (str(api["id"]), str(stage_doc["stageName"]))
            reason = self._failed.get(key)
            compiled = self._cache.get(key) if reason is None else None
            if compiled is None and reason is None:
                try:
                    compiled = await self._compile(region, api, stage_doc)
                except Exception as exc:
                    # One stage that cannot compile must not take the others down.
                    reason = self._refuse(api, stage_doc, exc)
                    if isinstance(exc, StageCompileError):  # not a passing store error
                        failed[key] = reason
            elif reason is not None:
                failed[key] = reason
            if reason is not None:
                unservable[name] = reason
                compiled = self._previous(*name)  # its previous version, if it had one
            if compiled is None:
                continue
            cache[key] = compiled
            stages[(compiled.api_id, compiled.stage_name)] = compiled
        self._cache = cache
        self._failed = failed
        disabled = frozenset(i for i, a in apis.items() if a.get("disableExecuteApiEndpoint"))
        keys = await build_key_index(self.store, self.keyring, self._key_values)
        iam = await load_index(self.store, self.account_id, self.keyring, self._iam_secrets)
        return Snapshot(
            generation,
            stages,
            frozenset(apis),
            disabled,
            keys=keys,
            iam=iam,
            unservable=unservable,
            changes=await self._changes(),
            functions=await load_functions(self.store, generation),
            function_urls=await load_function_urls(self.store),
            http_api_ids=frozenset(http_ids),
            domains=await load_domains(self.store, apis, http_ids, self.keyring, self._domain_keys),
        )

    async def _changes(self) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
        """The recorded runtime changes (frontgate.pipeline.runtime_changes), oldest first."""
        docs = await self.store.list("", kinds.RUNTIME_CHANGE)
        found = [(str(d["id"]), str(d["action"]), tuple(map(str, d["args"]))) for d in docs]
        return tuple(sorted(found))

    def _refuse(self, api: Doc, stage_doc: Doc, exc: Exception) -> str:
        """One log line, no traceback (the reason names the method); the stage is reported
        unservable in the snapshot until its inputs change."""
        api_id, stage_name = str(api.get("id")), str(stage_doc.get("stageName"))
        reason = _reason(exc)
        previous = self._previous(api_id, stage_name)
        if previous is not None:
            outcome = f"still serving its previous deployment {previous.deployment_id}"
        else:
            outcome = "not served"
        log.error(
            "stage %s/%s (deployment %s) does not compile, %s: %s",
            api_id,
            stage_name,
            stage_doc.get("deploymentId", ""),
            outcome,
            reason,
        )
        if not isinstance(exc, StageCompileError):
            log.debug("stage %s/%s compile failure", api_id, stage_name, exc_info=exc)
        return reason

    async def problem(self, region: str, api: Doc, stage_doc: Doc) -> str | None:
        """Why this stored stage cannot be served (None: it compiles); nothing is logged."""
        try:
            await self._compile(region, api, stage_doc)
        except Exception as exc:
            return _reason(exc)
        return None

    def _previous(self, api_id: str, stage_name: str) -> Stage | None:
        for stage in self._cache.values():
            if stage.api_id == api_id and stage.stage_name == stage_name:
                return stage
        return None

    async def _compile(self, region: str, api: Doc, stage_doc: Doc) -> Stage | None:
        if "apiId" in api:  # an HTTP API (apigatewayv2)
            return await self._compile_http(region, api, stage_doc)
        snap: Any = await self.store.get(
            region, kinds.SNAPSHOT, str(api["id"]), str(stage_doc.get("deploymentId", ""))
        )
        if snap is None:
            return None
        defn = ApiDefinition.from_snapshot(snap)
        # API-level settings that AWS applies without a redeploy come from the live document.
        defn.rest_api = {**defn.rest_api, "binaryMediaTypes": api.get("binaryMediaTypes")}
        return compile_stage(defn, stage_doc, region, self.account_id)

    async def _compile_http(self, region: str, api: Doc, stage_doc: Doc) -> Stage | None:
        found: Any = await self.store.get(
            region, kinds.V2_SNAPSHOT, str(api["apiId"]), str(stage_doc.get("deploymentId", ""))
        )
        if found is None:
            return None  # a stage without a deployment serves nothing yet
        defn = HttpApiDefinition.from_snapshot(found)
        if str(api.get("protocolType")).upper() == "WEBSOCKET":
            return compile_ws_stage(defn, stage_doc, region, self.account_id)
        return compile_http_stage(defn, stage_doc, region, self.account_id)
