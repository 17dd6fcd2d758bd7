"""Observability: access logs in AWS ``$context`` formats, execution logs, Prometheus metrics
summed over workers, and OpenTelemetry traces — each compiled per stage, free when off."""
