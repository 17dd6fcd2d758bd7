"""Traffic control beside the pipeline stages: the API key index, quota periods, key encryption
at rest, admission through the counter stores (``frontgate.counters``) and usage persistence."""
