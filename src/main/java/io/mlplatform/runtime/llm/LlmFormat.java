package io.mlplatform.runtime.llm;

import io.mlplatform.mcp.Caller;
import io.mlplatform.mcp.McpException;
import io.mlplatform.mcp.Payload;
import io.mlplatform.policy.Permission;
import io.mlplatform.policy.Policy;
import io.mlplatform.runtime.ModelFormat;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Chat models behind an OpenAI-compatible API ({@link ChatModel}): a version is a configuration, not a file, and
 * serves online only. The configuration is checked: only known fields, an API key only from an allow-listed variable
 * ({@link ChatModel#allowedKeyVariable}), and a provider other than Groq's default endpoint only from an admin (the
 * version's key is sent to that URL).
 */
public final class LlmFormat implements ModelFormat {
  public static final String NAME = "llm";
  /** The fields of an LLM version's request, plus the model's name the route adds. */
  private static final Set<String> FIELDS = Set.of("name", "format", "provider", "model", "base_url", "api_key_env",
      "description", "parameters");

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public boolean hasArtifact() {
    return false;
  }

  /** {llm: the configuration, size: 0, signature: a prompt in, a text out}. */
  @Override
  public JsonObject configure(Payload p, Caller caller) {
    return new JsonObject().put("llm", config(p, caller)).put("size", 0)
        .put("signature", new JsonObject()
            .put("inputs", new JsonArray().add(new JsonObject().put("name", "prompt").put("type", "string")))
            .put("outputs", new JsonArray().add(new JsonObject().put("name", "text").put("type", "string"))));
  }

  private static JsonObject config(Payload p, Caller caller) {
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
    } catch (URISyntaxException e) {
      throw McpException.invalidField("base_url", "must be an http(s) URL");
    }
  }

  /** The API key the version needs must be set here: a clear error when the deployment is made, not at each call. */
  @Override
  public void checkServable(JsonObject version, Map<String, String> environment) {
    ChatModel.apiKey(version.getJsonObject("llm"), environment);
  }

  @Override
  public Loader loader() {
    return (version, artifact, serving) -> {
      JsonObject config = version.getJsonObject("llm");
      return new ChatModel(serving.web(), config, ChatModel.apiKey(config, serving.environment()));
    };
  }
}
