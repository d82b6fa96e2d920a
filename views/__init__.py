"""Streamlit rendering: one module per page; widgets only, logic lives in controllers."""
