"""Rendering helpers shared by several pages."""
