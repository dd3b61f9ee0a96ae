"""The HTTP API: the compatibility contract, the v1 API, operations routes, chart files."""
