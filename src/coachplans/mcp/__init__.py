"""coachplans over the Model Context Protocol (SPEC §15), on the official ``mcp`` SDK.

- :func:`coachplans.mcp.server.build_server`: the tools and resources, over a plan source;
- ``coachplans mcp --base-url URL`` (:mod:`coachplans.mcp.stdio`): MCP over stdio, reading
  through the coachplans client, for an agent's machine;
- the API's ``/mcp`` endpoint (:mod:`coachplans.mcp.http`): the same over Streamable HTTP.

Importing this package loads nothing of the SDK; its modules do.
"""
