"""Pytest fixtures that stand up the sandbox agencies over real HTTP (filled in by the sandbox work)."""
