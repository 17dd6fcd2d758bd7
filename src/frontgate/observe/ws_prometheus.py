"""The WebSocket families of ``/metrics`` (``prometheus.Reader`` calls ``lines`` with every
worker's summed series): AWS's WebSocket metrics per API and stage — and per route for routes
with detailed metrics, whose series are also added into their stage's — and the open
connections per API and stage.

- ``frontgate_websocket_connect_total`` (ConnectCount)
- ``frontgate_websocket_message_total{direction="in"|"out"}`` (MessageCount: both directions;
  a route's series counts the messages routed to it)
- ``frontgate_websocket_integration_error_total``, ``..._client_error_total``,
  ``..._execution_error_total`` (IntegrationError, ClientError, ExecutionError)
- ``frontgate_websocket_integration_latency_seconds`` histogram (IntegrationLatency; none for
  MOCK integrations, as on AWS)
- ``frontgate_websocket_connections_open`` gauge"""

from __future__ import annotations

from itertools import accumulate
from operator import add

from frontgate.observe import metrics as m
from frontgate.observe import ws_metrics as w

Series = dict[tuple[str, tuple[str, ...]], list[int]]

_COUNTERS = (
    ("frontgate_websocket_connect_total", w.CONNECT,
     "WebSocket $connect requests (AWS ConnectCount)."),
    ("frontgate_websocket_integration_error_total", w.INTEGRATION_ERROR,
     "WebSocket events whose integration answered 4XX/5XX or failed (AWS IntegrationError)."),
    ("frontgate_websocket_client_error_total", w.CLIENT_ERROR,
     "WebSocket events refused with a 4XX before the integration ran (AWS ClientError)."),
    ("frontgate_websocket_execution_error_total", w.EXECUTION_ERROR,
     "WebSocket events whose integration could not be called (AWS ExecutionError)."),
)  # fmt: skip
_LATENCY = "frontgate_websocket_integration_latency_seconds"
_LE = (*(f'le="{b:g}"' for b in m.BOUNDS), 'le="+Inf"')


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(labels: tuple[str, ...]) -> str:
    api, stage, route = (*labels, "", "", "")[:3]
    text = f'api="{_escape(api)}",stage="{_escape(stage)}"'
    return text + f',route="{_escape(route)}"' if route else text


def fold(totals: Series) -> list[tuple[tuple[str, ...], list[int]]]:
    """The WebSocket series, each route's also added into its stage's, sorted by labels."""
    series = {k[1]: list(v) for k, v in totals.items() if k[0] == w.KIND}
    for labels, block in list(series.items()):
        if len(labels) > 2 and labels[2]:
            stage = (labels[0], labels[1], "")
            acc = series.get(stage)
            if acc is None:
                series[stage] = [*block[: w.OPEN], 0, *block[w.OPEN + 1 :]]
            else:
                acc[:] = map(add, acc, block)
    return sorted(series.items())


def lines(totals: Series) -> list[str]:
    rows = fold(totals)
    out: list[str] = []
    for name, slot, help_text in _COUNTERS:
        out.append(f"# HELP {name} {help_text}\n# TYPE {name} counter")
        out.extend(f"{name}{{{_labels(lb)}}} {v[slot]}" for lb, v in rows)
    name = "frontgate_websocket_message_total"
    out.append(f"# HELP {name} WebSocket messages, from and to clients (AWS MessageCount).")
    out.append(f"# TYPE {name} counter")
    for lb, v in rows:
        text = _labels(lb)
        out.append(f'{name}{{{text},direction="in"}} {v[w.MESSAGE_IN]}')
        if not (len(lb) > 2 and lb[2]):  # what is sent is counted per stage only
            out.append(f'{name}{{{text},direction="out"}} {v[w.MESSAGE_OUT]}')
    out.append(f"# HELP {_LATENCY} Time the WebSocket integrations took (AWS IntegrationLatency).")
    out.append(f"# TYPE {_LATENCY} histogram")
    for lb, v in rows:
        buckets = v[w.INT_B : w.INT_B + m.NB]
        count = sum(buckets)
        if not count:
            continue
        text = _labels(lb)
        out.extend(f"{_LATENCY}_bucket{{{text},{le}}} {n}"
                   for le, n in zip(_LE, accumulate(buckets), strict=True))  # fmt: skip
        out.append(f"{_LATENCY}_sum{{{text}}} {v[w.INT_SUM] / 1_000_000}")
        out.append(f"{_LATENCY}_count{{{text}}} {count}")
    name = "frontgate_websocket_connections_open"
    out.append(f"# HELP {name} Open WebSocket connections, by API and stage.")
    out.append(f"# TYPE {name} gauge")
    out.extend(f"{name}{{{_labels(lb)}}} {v[w.OPEN]}"
               for lb, v in rows if not (len(lb) > 2 and lb[2]))  # fmt: skip
    return out
