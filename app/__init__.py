"""Wiring: the command line, the daemon, the REST API and configuration."""
