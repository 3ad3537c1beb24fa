"""Engines that run the pipeline beyond one machine's process pool."""
