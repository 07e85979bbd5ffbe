package io.mlplatform.runtime.llm;

import io.mlplatform.mcp.ErrorCode;
import io.mlplatform.mcp.McpException;
import io.mlplatform.runtime.DataType;
import io.mlplatform.runtime.LoadedModel;
import io.mlplatform.runtime.Tensor;
import io.mlplatform.runtime.TensorSpec;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A chat model behind an OpenAI-compatible API (Groq by default): each row's prompt becomes one chat completion
 * request, sent without blocking; the answer's text is the row's output.
 */
public final class ChatModel implements LoadedModel {
  public static final String GROQ_BASE_URL = "https://api.groq.com/openai/v1";
  private static final List<TensorSpec> INPUTS = List.of(new TensorSpec("prompt", DataType.BYTES, new long[]{-1}));
  private static final List<TensorSpec> OUTPUTS = List.of(new TensorSpec("text", DataType.BYTES, new long[]{-1}));
  private static final long TIMEOUT_MILLIS = 60_000;

  private final WebClient client;
  private final JsonObject config;
  private final String apiKey;

  /** {@code config} is the version's llm block: provider, model, base_url, parameters. */
  public ChatModel(WebClient client, JsonObject config, String apiKey) {
    this.client = client;
    this.config = config;
    this.apiKey = apiKey;
  }

  /** Whether an LLM version may read its API key from this variable: Groq's, or one an admin set for the purpose. */
  public static boolean allowedKeyVariable(String variable) {
    return "GROQ_API_KEY".equals(variable) || variable.matches("MLP_SECRET_[A-Z0-9_]{1,52}");
  }

  /** The API key a configuration needs, from the environment; a missing one is a clear error now, not later. */
  public static String apiKey(JsonObject config, Map<String, String> environment) {
    String variable = config.getString("api_key_env");
    if (variable == null && "groq".equals(config.getString("provider"))) {
      variable = "GROQ_API_KEY";
    }
    if (variable == null) {
      return null;
    }
    if (!allowedKeyVariable(variable)) {
      // a version stored before the allow-list: never read another variable
      throw new McpException(ErrorCode.INVALID_ARGUMENT, "api_key_env must be GROQ_API_KEY or MLP_SECRET_<NAME>");
    }
    String key = environment.get(variable);
    if (key == null || key.isBlank()) {
      throw new McpException(ErrorCode.INVALID_ARGUMENT, "the LLM provider '" + config.getString("provider")
          + "' needs an API key: set " + variable + " in the environment of the execution nodes");
    }
    return key;
  }

  @Override
  public String platform() {
    return "openai-compatible";
  }

  @Override
  public List<TensorSpec> inputs() {
    return INPUTS;
  }

  @Override
  public List<TensorSpec> outputs() {
    return OUTPUTS;
  }

  @Override
  public boolean batchable() {
    return false;
  }

  @Override
  public Future<Map<String, Tensor>> predict(Map<String, Tensor> batch) {
    String[] prompts = (String[]) batch.get("prompt").data();
    List<Future<String>> answers = new ArrayList<>();
    for (String prompt : prompts) {
      answers.add(complete(prompt));
    }
    return Future.all(answers).map(done -> {
      String[] texts = new String[prompts.length];
      for (int i = 0; i < texts.length; i++) {
        texts[i] = answers.get(i).result();
      }
      return Map.of("text", new Tensor("text", DataType.BYTES, new long[]{texts.length}, texts));
    });
  }

  private Future<String> complete(String prompt) {
    JsonObject body = config.getJsonObject("parameters", new JsonObject()).copy()
        .put("model", config.getString("model"))
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", prompt)));
    var request = client.postAbs(config.getString("base_url", GROQ_BASE_URL) + "/chat/completions")
        .timeout(TIMEOUT_MILLIS);
    if (apiKey != null) {
      request.bearerTokenAuthentication(apiKey);
    }
    return request.sendJsonObject(body)
        .recover(failure -> Future.failedFuture(new McpException(ErrorCode.UPSTREAM_ERROR,
            "the LLM provider could not be reached: " + failure.getMessage())))
        .compose(ChatModel::answerText);
  }

  private static Future<String> answerText(HttpResponse<Buffer> response) {
    JsonObject json;
    try {
      json = response.bodyAsJsonObject();
    } catch (RuntimeException e) {
      json = null;
    }
    if (response.statusCode() != 200 || json == null) {
      String message = json != null && json.getValue("error") instanceof JsonObject error
          ? error.getString("message", error.encode()) : response.bodyAsString();
      return Future.failedFuture(new McpException(ErrorCode.UPSTREAM_ERROR,
          "the LLM provider answered " + response.statusCode() + ": " + message));
    }
    try {
      return Future.succeededFuture(json.getJsonArray("choices").getJsonObject(0).getJsonObject("message")
          .getString("content"));
    } catch (RuntimeException e) {
      return Future.failedFuture(new McpException(ErrorCode.UPSTREAM_ERROR,
          "the LLM provider's answer has no choices[0].message.content"));
    }
  }

  /** A provider's answer takes seconds. */
  @Override
  public long attemptMillis() {
    return 30_000;
  }

  @Override
  public void close() {
    // the web client is shared by the node
  }
}
