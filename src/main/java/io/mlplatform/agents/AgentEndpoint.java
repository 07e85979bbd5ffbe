package io.mlplatform.agents;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mlplatform.mcp.Caller;
import io.mlplatform.mcp.ErrorCode;
import io.mlplatform.mcp.McpClient;
import io.mlplatform.mcp.McpException;
import io.mlplatform.policy.Permission;
import io.mlplatform.policy.Policy;
import io.mlplatform.storage.ObjectStore;
import io.mlplatform.workflow.PlatformCalls;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.json.schema.jackson2.DefaultJsonSchemaValidator;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpStatelessAsyncServer;
import io.modelcontextprotocol.server.McpStatelessServerFeatures;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import reactor.core.publisher.Mono;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The Model Context Protocol endpoint, {@code /mcp}: AI agents (desktop assistants, IDEs, agent frameworks) find,
 * train, deploy and call models through it with the same API keys and roles as the REST API. Not to be confused with
 * {@link io.mlplatform.mcp}, the platform's internal message envelope, which the seed also called MCP: every tool here
 * becomes envelopes to the hub like any REST call.
 */
public final class AgentEndpoint {
  public static final String PATH = "/mcp";
  /** JSON-RPC error code of a tool or resource the caller's role may not use (the server-defined range). */
  static final int PERMISSION_DENIED = -32003;
  private static final String VERSION = "0.1.0";
  private static final String INSTRUCTIONS = "mlplatform is a machine-learning platform: a registry of models and"
      + " datasets, prediction endpoints (deployments), Spark jobs (executions: train, transform, evaluate,"
      + " batch_predict) and workflows. A typical path: list_datasets / get_dataset to see the columns, start_training,"
      + " get_execution with wait_seconds until it succeeded (its result names the model version), create_deployment,"
      + " get_deployment until status is ready, then predict with rows keyed by the model's input names.";

  private final PlatformCalls calls;
  private final StatelessHttpTransport transport;
  private final McpStatelessAsyncServer server;

  public AgentEndpoint(Vertx vertx, McpClient client, ObjectStore store, List<String> allowedOrigins) {
    McpJsonMapper json = new JacksonMcpJsonMapper(new ObjectMapper());
    this.calls = new PlatformCalls(vertx, client);
    this.transport = new StatelessHttpTransport(json, allowedOrigins);
    List<Tools.Tool> tools = new Tools(vertx, new DatasetUploads(store)).all();
    Map<String, Permission> permissions = new HashMap<>();
    tools.forEach(tool -> permissions.put(tool.name(), tool.permission()));
    List<Resources.Resource> resources = new Resources().all();
    List<Prompts.Prompt> prompts = new Prompts().all();
    this.server = McpServer.async(transport)
        .serverInfo(new McpSchema.Implementation("mlplatform", "mlplatform", VERSION))
        .instructions(INSTRUCTIONS)
        .capabilities(McpSchema.ServerCapabilities.builder().tools(false).resources(false, false).prompts(false)
            .completions().build())
        .jsonMapper(json)
        .jsonSchemaValidator(new DefaultJsonSchemaValidator())
        .tools(tools.stream().map(tool -> specification(json, tool)).toList())
        .addToolFilter((context, tool) -> Mono.just(Policy.granted(caller(context).roles())
            .contains(permissions.get(tool.name()))))
        .resources(resources.stream().filter(r -> !r.template()).map(this::resource).toList())
        .resourceTemplates(resources.stream().filter(Resources.Resource::template).map(this::template).toList())
        .prompts(prompts.stream().map(AgentEndpoint::prompt).toList())
        .completions(completions(prompts, resources))
        .build();
  }

  /** Serves the endpoint on {@code router}; {@code callerOf} tells who a request comes from. */
  public void mount(Router router, Function<RoutingContext, Caller> callerOf) {
    router.route(PATH).handler(ctx -> transport.handle(ctx, callerOf.apply(ctx)));
  }

  private McpStatelessServerFeatures.AsyncToolSpecification specification(McpJsonMapper json, Tools.Tool tool) {
    McpSchema.Tool spec = McpSchema.Tool.builder().name(tool.name()).title(tool.title())
        .description(tool.description())
        .inputSchema(json, tool.input().encode())
        .outputSchema(json, tool.output().encode())
        .annotations(new McpSchema.ToolAnnotations(tool.title(), tool.hints().readOnly(), tool.hints().destructive(),
            tool.hints().idempotent(), false, null))
        .build();
    return new McpStatelessServerFeatures.AsyncToolSpecification(spec, (context, request) -> {
      Caller caller = caller(context);
      return allowed(caller, tool.permission(), "tool " + tool.name()).then(Mono.defer(() -> {
        JsonObject args = request.arguments() == null ? new JsonObject()
            : new JsonObject(Json.encode(request.arguments()));
        return mono(() -> tool.run().apply(calls.onBehalfOf(caller), args))
            .map(AgentEndpoint::success)
            .onErrorResume(failure -> Mono.just(toolError(failure)));
      }));
    });
  }

  private McpStatelessServerFeatures.AsyncResourceSpecification resource(Resources.Resource resource) {
    return new McpStatelessServerFeatures.AsyncResourceSpecification(McpSchema.Resource.builder()
        .uri(resource.uri()).name(resource.name()).title(resource.title()).description(resource.description())
        .mimeType("text/markdown").build(), (context, request) -> read(context, resource, request.uri()));
  }

  private McpStatelessServerFeatures.AsyncResourceTemplateSpecification template(Resources.Resource resource) {
    return new McpStatelessServerFeatures.AsyncResourceTemplateSpecification(McpSchema.ResourceTemplate.builder()
        .uriTemplate(resource.uri()).name(resource.name()).title(resource.title())
        .description(resource.description()).mimeType("text/markdown").build(),
        (context, request) -> read(context, resource, request.uri()));
  }

  /** A resource as its summary and its JSON; what is not there is the protocol's resource-not-found error. */
  private Mono<McpSchema.ReadResourceResult> read(McpTransportContext context, Resources.Resource resource,
                                                  String uri) {
    Caller caller = caller(context);
    return allowed(caller, Permission.READ, "resource " + uri).then(Mono.defer(() ->
        mono(() -> resource.read().apply(calls.onBehalfOf(caller), uri))
            .map(json -> new McpSchema.ReadResourceResult(List.of(
                new McpSchema.TextResourceContents(uri, "text/markdown", Resources.summary(resource.template()
                    ? resource.title() + " " + uri.substring(Resources.SCHEME.length()) : resource.title(), json)),
                new McpSchema.TextResourceContents(uri, "application/json", json.encode()))))
            .onErrorMap(failure -> {
              McpException e = McpException.wrap(failure);
              return e.code() == ErrorCode.NOT_FOUND || e.code() == ErrorCode.INVALID_ARGUMENT
                  ? McpError.builder(McpSchema.ErrorCodes.RESOURCE_NOT_FOUND).message(e.getMessage())
                      .data(Map.of("uri", uri)).build()
                  : McpError.builder(McpSchema.ErrorCodes.INTERNAL_ERROR).message(e.getMessage()).build();
            })));
  }

  private static McpStatelessServerFeatures.AsyncPromptSpecification prompt(Prompts.Prompt prompt) {
    List<McpSchema.PromptArgument> arguments = prompt.arguments().entrySet().stream()
        .map(a -> new McpSchema.PromptArgument(a.getKey(), a.getValue(), !prompt.optional().contains(a.getKey())))
        .toList();
    return new McpStatelessServerFeatures.AsyncPromptSpecification(
        new McpSchema.Prompt(prompt.name(), prompt.title(), prompt.description(), arguments),
        (context, request) -> {
          Map<String, String> given = new HashMap<>();
          if (request.arguments() != null) {
            request.arguments().forEach((name, value) -> given.put(name, String.valueOf(value)));
          }
          for (McpSchema.PromptArgument argument : arguments) {
            if (argument.required() && (given.get(argument.name()) == null || given.get(argument.name()).isBlank())) {
              return Mono.error(McpError.builder(McpSchema.ErrorCodes.INVALID_PARAMS)
                  .message("prompt " + prompt.name() + " needs the argument '" + argument.name() + "'").build());
            }
          }
          return Mono.just(new McpSchema.GetPromptResult(prompt.description(), List.of(new McpSchema.PromptMessage(
              McpSchema.Role.USER, new McpSchema.TextContent(prompt.text().apply(given))))));
        });
  }

  /** Names completed from the registry: the prompts' model and dataset arguments and the templates' {name}. */
  private List<McpStatelessServerFeatures.AsyncCompletionSpecification> completions(List<Prompts.Prompt> prompts,
                                                                                    List<Resources.Resource> resources) {
    List<McpStatelessServerFeatures.AsyncCompletionSpecification> specifications = new java.util.ArrayList<>();
    for (Prompts.Prompt prompt : prompts) {
      specifications.add(completion(new McpSchema.PromptReference(prompt.name()), prompt.completedBy()));
    }
    for (Resources.Resource resource : resources) {
      if (resource.template()) {
        String listOperation = resource.uri().startsWith(Resources.SCHEME + "models/") ? "model.list"
            : resource.uri().startsWith(Resources.SCHEME + "datasets/") ? "dataset.list" : null;
        specifications.add(completion(new McpSchema.ResourceReference(resource.uri()),
            listOperation == null ? Map.of() : Map.of("name", listOperation)));
      }
    }
    return specifications;
  }

  private McpStatelessServerFeatures.AsyncCompletionSpecification completion(McpSchema.CompleteReference reference,
                                                                             Map<String, String> listOperations) {
    return new McpStatelessServerFeatures.AsyncCompletionSpecification(reference, (context, request) -> {
      String operation = request.argument() == null ? null : listOperations.get(request.argument().name());
      Caller caller = caller(context);
      if (operation == null || !Policy.granted(caller.roles()).contains(Permission.READ)) {
        return Mono.just(new McpSchema.CompleteResult(new McpSchema.CompleteResult.CompleteCompletion(List.of())));
      }
      return mono(() -> Prompts.names(calls.onBehalfOf(caller), operation, request.argument().value()))
          .map(names -> new McpSchema.CompleteResult(new McpSchema.CompleteResult.CompleteCompletion(names,
              names.size(), false)));
    });
  }

  private static Mono<Void> allowed(Caller caller, Permission permission, String what) {
    try {
      Policy.authorize(caller, permission, what);
      return Mono.empty();
    } catch (McpException e) {
      return Mono.error(McpError.builder(PERMISSION_DENIED).message(e.getMessage())
          .data(e.details() == null ? null : Json.decodeValue(e.details().encode(), Map.class)).build());
    }
  }

  /** A Vert.x future as a Mono (completed on the event loop that completes the future). */
  private static <T> Mono<T> mono(java.util.function.Supplier<Future<T>> work) {
    Future<T> future;
    try {
      future = work.get();
    } catch (RuntimeException e) {
      future = Future.failedFuture(e);
    }
    return Mono.fromCompletionStage(future.toCompletionStage());
  }

  private static McpSchema.CallToolResult success(JsonObject result) {
    String text = result.encode();
    return McpSchema.CallToolResult.builder().addTextContent(text)
        .structuredContent(Json.decodeValue(text, Map.class)).build();
  }

  /** A refusal as a tool error the model can read and act on: what was wrong, and the details. */
  private static McpSchema.CallToolResult toolError(Throwable failure) {
    McpException e = McpException.wrap(failure instanceof java.util.concurrent.CompletionException && failure.getCause()
        != null ? failure.getCause() : failure);
    String text = e.code().wireName() + ": " + e.getMessage();
    if (e.details() != null && !e.details().isEmpty()) {
      text += "\n" + e.details().encode();
    }
    return McpSchema.CallToolResult.builder().addTextContent(text).isError(true).build();
  }

  private static Caller caller(McpTransportContext context) {
    Object caller = context.get(StatelessHttpTransport.CALLER);
    return caller instanceof Caller known ? known : Caller.anonymous(List.of());
  }
}
