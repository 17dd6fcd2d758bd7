"""Import the ``--api`` OpenAPI files into the store and deploy them, keeping each file's
restApiId stable across restarts (a file that did not change is not redeployed)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from frontgate.compile.checks import DefinitionError, check_deployable
from frontgate.definition import kinds
from frontgate.definition.restapis import create_deployment, save_api
from frontgate.openapi.importer import OpenApiImportError, import_openapi
from frontgate.state.store import ConfigStore

API_FILE = "apifile"  # parent "", id: absolute path of the imported file


@dataclass(frozen=True)
class InvokeTarget:
    api_id: str
    api_name: str
    stage: str
    problem: str | None = None  # why the stage cannot be served (its deployment does not compile)


async def import_api_file(store: ConfigStore, region: str, path: str, stage: str) -> str:
    """Returns the restApiId. Raises ``OpenApiImportError`` (naming the file) on bad input;
    nothing is stored in that case."""
    file = Path(path).expanduser().resolve()
    data = file.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    key = str(file)
    known = await store.get(region, API_FILE, "", key)
    if known is not None:
        api = await store.get(region, kinds.REST_API, "", known["apiId"])
        stage_doc = await store.get(region, kinds.STAGE, known["apiId"], stage)
        if api is not None and known.get("sha256") == digest and stage_doc is not None:
            return str(known["apiId"])
    defn = import_openapi(data, source=file.name)
    async with store.transaction() as tx:
        if known is not None and await tx.get(region, kinds.REST_API, "", known["apiId"]):
            defn.rest_api["id"] = known["apiId"]
            await save_api(tx, region, defn, replace=True)
        else:
            await save_api(tx, region, defn)
        api_id = str(defn.rest_api["id"])
        try:
            await create_deployment(tx, region, api_id, check=check_deployable, stage_name=stage)
        except DefinitionError as exc:  # as CreateDeployment answers: nothing is stored
            raise OpenApiImportError(file.name, str(exc), exc.where or None) from None
        await tx.put(region, API_FILE, "", key, {"path": key, "apiId": api_id, "sha256": digest})
    return api_id


async def deployed_stages(
    store: ConfigStore, account_id: str = "123456789012"
) -> list[InvokeTarget]:
    """Every stage, each compiled as the workers will: one that does not compile (rows written
    by an older version, say) comes with the reason instead of being listed as served."""
    from frontgate.compile.compiler import Compiler

    compiler = Compiler(store, account_id)
    out: list[InvokeTarget] = []
    for region, _parent, api in await store.list_all(kinds.REST_API):
        for stage in await store.list(region, kinds.STAGE, str(api["id"])):
            problem = await compiler.problem(region, api, stage)
            name = str(api.get("name", ""))
            out.append(InvokeTarget(str(api["id"]), name, stage["stageName"], problem))
    return out


async def unserved_regions(store: ConfigStore, served: set[str]) -> list[str]:
    """Regions holding REST APIs that the admin API does not serve (not in region/regions):
    their stages still answer, but they cannot be managed until the region is configured."""
    found = {region for region, _parent, _api in await store.list_all(kinds.REST_API)}
    return sorted(found - served)
