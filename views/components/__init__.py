"""Widgets shared by several pages: resource lists, job progress, diffs, graphs, flash lines."""
