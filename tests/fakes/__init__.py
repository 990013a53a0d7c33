"""Loopback HTTP fakes of the web services the pipeline talks to."""
