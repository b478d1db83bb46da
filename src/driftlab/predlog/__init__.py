"""The prediction log, placeholder: filled in the next commit."""
