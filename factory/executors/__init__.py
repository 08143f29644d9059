"""Executors run planned shards somewhere: here in worker processes, or on a Ray cluster."""
