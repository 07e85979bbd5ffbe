/**
 * The platform's internal message envelope, which the seed named "MCP": requests and responses between the
 * gateway, the hub and the servers on the Vert.x event bus ({@link io.mlplatform.mcp.Envelope}), their error codes,
 * the client that sends them and the router that answers them. Not the Model Context Protocol that AI agents speak:
 * that is {@link io.mlplatform.agents}, served at {@code /mcp}.
 */
package io.mlplatform.mcp;
