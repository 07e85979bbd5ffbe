/**
 * The Model Context Protocol (modelcontextprotocol.io) endpoint, {@code /mcp}, for AI agents: a stateless
 * Streamable HTTP transport for the official SDK's server, and the tools, resources and prompts it offers. Not to be
 * confused with {@link io.mlplatform.mcp}, the platform's internal envelope that the seed also called MCP.
 */
package io.mlplatform.agents;
