"""Streamlit page controllers: call services, hold page logic, never draw widgets."""
