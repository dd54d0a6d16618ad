"""Build-time helpers for generating ``generated/volt_sdk_graphql`` (not shipped)."""
