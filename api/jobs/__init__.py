"""The jobs resource: start, watch, cancel and resume background work over HTTP."""
