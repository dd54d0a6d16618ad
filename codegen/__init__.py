"""Build-time helpers for generating ``generated/volt_graphql`` (not shipped)."""
