"""The metric series of WebSocket API stages and routes (kind ``"w"`` in a worker's shard,
labelled api, stage, route — route ``""`` for the stage's own series): AWS's WebSocket metrics
(ConnectCount, MessageCount, IntegrationError, ClientError, ExecutionError, IntegrationLatency)
and the open-connections gauge. A route's series exists only when its detailed metrics are on;
the reader adds it into its stage's (``ws_prometheus``), as it does for REST methods."""

from __future__ import annotations

from typing import Final

from frontgate.observe.metrics import WS_BLOCK, WS_OPEN

KIND: Final = "w"

# Slot offsets in a series' block.
CONNECT: Final[int] = 0  # $connect requests (AWS ConnectCount)
MESSAGE_IN: Final[int] = 1  # messages from clients (AWS MessageCount, one direction)
MESSAGE_OUT: Final[int] = 2  # messages to clients: route responses, error frames, @connections
INTEGRATION_ERROR: Final[int] = 3  # the integration answered 4XX/5XX or a function error
CLIENT_ERROR: Final[int] = 4  # refused before the integration ran (401, 403, 429, ...)
EXECUTION_ERROR: Final[int] = 5  # the integration could not be called (timeout, configuration)
OPEN: Final[int] = WS_OPEN  # gauge: connections this worker holds open (stage series only)
INT_SUM: Final[int] = 7  # integration latency, µs
INT_B: Final[int] = 8  # NB histogram buckets (count: their sum)
BLOCK: Final[int] = WS_BLOCK  # INT_B + NB: metrics.py sizes the block
