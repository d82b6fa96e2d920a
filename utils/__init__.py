"""Stateless helpers shared by every layer."""
