package io.mlplatform.model;

import io.mlplatform.mcp.Caller;
import io.mlplatform.mcp.McpException;
import io.mlplatform.mcp.Payload;
import io.mlplatform.policy.Permission;
import io.mlplatform.policy.Policy;
import io.mlplatform.runtime.llm.ChatModel;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.util.Set;
import java.util.TreeSet;

/**
 * The configuration of an LLM version, checked: only known fields, an API key only from an allow-listed variable
 * ({@link ChatModel#allowedKeyVariable}), and a provider other than Groq's default endpoint only from an admin (the
 * version's key is sent to that URL).
 */
final class LlmVersions {
  /** The fields of an LLM version's request, plus the model's name the route adds. */
  private static final Set<String> FIELDS = Set.of("name", "format", "provider", "model", "base_url", "api_key_env",
      "description", "parameters");

  private LlmVersions() {
  }

  static JsonObject config(Payload p, Caller caller) {
    Set<String> unknown = new TreeSet<>(p.json().fieldNames());
    unknown.removeAll(FIELDS);
    unknown.removeIf(field -> p.json().getValue(field) == null);
    if (!unknown.isEmpty()) {
      throw McpException.invalidField(unknown.iterator().next(), "is not a field of an LLM version (fields: "
          + new TreeSet<>(FIELDS) + ")");
    }
    String provider = p.optionalString("provider") == null ? "groq" : p.optionalString("provider");
    String baseUrl = p.optionalString("base_url");
    if (baseUrl != null) {
      checkUrl(baseUrl);
    } else if (!"groq".equals(provider)) {
      throw McpException.invalidField("base_url", "is required for provider '" + provider + "' (only groq has a default)");
    }
    String keyVariable = p.optionalString("api_key_env");
    if (keyVariable != null && !ChatModel.allowedKeyVariable(keyVariable)) {
      // the same answer whether or not the variable exists: the environment is not the caller's to explore
      throw McpException.invalidField("api_key_env", "must be GROQ_API_KEY or MLP_SECRET_<NAME> (capitals, digits, "
          + "'_'), a variable an admin sets on the execution nodes");
    }
    boolean defaultEndpoint = "groq".equals(provider) && (baseUrl == null || ChatModel.GROQ_BASE_URL.equals(baseUrl));
    if (!defaultEndpoint) {
      Policy.authorize(caller, Permission.ADMIN, "create an LLM version with provider '" + provider
          + "' or a base_url (its API key is sent there)");
    }
    JsonObject config = new JsonObject().put("provider", provider).put("model", p.string("model"))
        .put("base_url", baseUrl == null ? ChatModel.GROQ_BASE_URL : baseUrl)
        .put("parameters", p.userObject("parameters") == null ? new JsonObject() : p.userObject("parameters"));
    if (keyVariable != null) {
      config.put("api_key_env", keyVariable);
    }
    return config;
  }

  private static void checkUrl(String baseUrl) {
    try {
      URI uri = new URI(baseUrl);
      if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
        throw McpException.invalidField("base_url", "must be an http(s) URL");
      }
    } catch (java.net.URISyntaxException e) {
      throw McpException.invalidField("base_url", "must be an http(s) URL");
    }
  }
}
