"""The configs resource: versioned mapping configs, their history, diffs, drafts and exports."""
