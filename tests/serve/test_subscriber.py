"""How a worker lets go of a replaced stage (serve/subscriber.py ``_release``): a slice at a
time, and completely."""

from __future__ import annotations

import asyncio
import gc
import json

from frontgate.compile.compiler import compile_stage
from frontgate.openapi import import_openapi
from frontgate.serve.subscriber import _release
from frontgate.snapshot import image
from frontgate.snapshot.snapshot import RouteNode, Stage


def _stage(resources: int) -> Stage:
    op = {
        "get": {
            "responses": {"200": {"description": "ok"}},
            "x-amazon-apigateway-integration": {
                "type": "mock",
                "requestTemplates": {"application/json": '{"statusCode": 200}'},
                "responses": {"default": {"statusCode": "200"}},
            },
        }
    }
    spec = {
        "openapi": "3.0.1",
        "info": {"title": "release", "version": "1"},
        "paths": {f"/r{i}/{{id}}": op for i in range(resources)},
    }
    defn = import_openapi(json.dumps(spec), source="release.json")
    built = compile_stage(defn, {"stageName": "s", "deploymentId": "d"}, "us-east-1", "1" * 12)
    return image.load_stage(image.dump_stage(built))  # as a worker holds it


def _nodes() -> int:
    return sum(1 for o in gc.get_objects() if type(o) is RouteNode)


def test_a_released_stage_is_freed_over_several_loop_iterations() -> None:
    gc.collect()
    before = _nodes()
    stages = [_stage(1500)]  # 1 + 1500 + 1500 nodes
    assert _nodes() - before == 3001

    async def run() -> int:
        iterations = 0
        done = False

        async def count() -> None:
            nonlocal iterations
            while not done:
                iterations += 1
                await asyncio.sleep(0)

        counter = asyncio.get_running_loop().create_task(count())
        await _release(stages)
        done = True
        await counter
        return iterations

    iterations = asyncio.run(run())
    assert stages == []
    assert _nodes() == before  # freed by reference counting, no collection needed
    assert iterations >= 3001 // 512  # other work ran between the slices
