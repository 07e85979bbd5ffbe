package io.mlplatform.agents;

import io.mlplatform.Node;
import io.mlplatform.support.Api;
import io.mlplatform.support.FromNode;
import io.mlplatform.support.McpHttp;
import io.mlplatform.support.NodeSettings;
import io.mlplatform.support.SharedNode;
import io.mlplatform.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

import static io.mlplatform.support.Waits.matching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@Tag("slow")
@ExtendWith(SharedNode.class)
// calls without a key may read (the conformance suite sends none); keys decide everything else
@NodeSettings("MLP_ANONYMOUS_ROLES=viewer")
@DisplayName("The Model Context Protocol endpoint: an agent with an editor key goes from data to predictions")
class AgentEndpointTest {
  @FromNode static Node node;
  static McpHttp editor;
  static McpHttp viewer;
  static McpHttp predictor;
  static String editorKey;
  static String viewerKey;

  @BeforeAll
  static void start(TestNode own) {
    Api admin = own.admin();
    editorKey = admin.createKey("agent", "editor");
    viewerKey = admin.createKey("reader", "viewer");
    editor = new McpHttp(node.httpPort(), editorKey);
    viewer = new McpHttp(node.httpPort(), viewerKey);
    predictor = new McpHttp(node.httpPort(), admin.createKey("scorer", "predictor"));
  }

  /** Customers: numbers, a string column, empty cells; churn follows usage and tenure. */
  static String customers(int rows) {
    Random random = new Random(11);
    StringBuilder csv = new StringBuilder("id,tenure_months,monthly_usage,support_calls,plan,region,score,churned\n");
    String[] plans = {"basic", "plus", "pro"};
    String[] regions = {"north", "south", "east", "west"};
    for (int i = 0; i < rows; i++) {
      int tenure = random.nextInt(60);
      double usage = Math.round(random.nextDouble() * 1000) / 10.0;
      int calls = random.nextInt(8);
      boolean churned = usage < 30 && tenure < 24 || calls > 5;
      csv.append(i).append(',').append(tenure).append(',').append(i % 17 == 0 ? "" : usage).append(',')
          .append(calls).append(',').append(plans[random.nextInt(3)]).append(',')
          .append(i % 13 == 0 ? "" : regions[random.nextInt(4)]).append(',')
          .append(Math.round(random.nextGaussian() * 100) / 100.0).append(',').append(churned ? 1 : 0).append('\n');
    }
    return csv.toString();
  }

  @Test
  @DisplayName("find a dataset, train on it, deploy the model and predict, using only tools")
  void dataToPrediction() {
    JsonObject init = editor.initialize().result();
    assertThat(init.getString("protocolVersion")).isEqualTo(McpHttp.VERSION);
    assertThat(init.getJsonObject("serverInfo").getString("name")).isEqualTo("mlplatform");
    assertThat(init.getJsonObject("capabilities").fieldNames()).contains("tools", "resources");

    JsonObject uploaded = editor.ok("upload_dataset", new JsonObject().put("name", "customers")
        .put("csv", customers(300)).put("description", "customer churn"));
    assertThat(uploaded.getString("name")).isEqualTo("customers");

    JsonArray found = editor.ok("list_datasets", new JsonObject().put("search", "churn")).getJsonArray("items");
    assertThat(found.stream().map(d -> ((JsonObject) d).getString("name"))).containsExactly("customers");
    JsonObject dataset = editor.ok("get_dataset", new JsonObject().put("name", "customers").put("preview_rows", 3));
    assertThat(dataset.getJsonObject("version").getLong("row_count")).isEqualTo(300);
    Map<String, String> types = dataset.getJsonObject("version").getJsonArray("schema").stream()
        .map(c -> (JsonObject) c).collect(Collectors.toMap(c -> c.getString("name"), c -> c.getString("type")));
    assertThat(types).containsEntry("plan", "string").containsEntry("monthly_usage", "double");
    assertThat(dataset.getJsonArray("rows")).hasSize(3);

    // an object already on the platform's S3 store becomes a dataset too (here: the file just uploaded)
    JsonObject artifact = dataset.getJsonObject("version").getJsonObject("artifact");
    JsonObject copied = editor.ok("upload_dataset", new JsonObject().put("name", "customers-copy")
        .put("url", "s3://" + artifact.getString("bucket") + "/" + artifact.getString("key")));
    assertThat(copied.getJsonObject("version").getLong("row_count")).isEqualTo(300);
    assertThat(copied.getJsonObject("version").getString("sha256")).isEqualTo(artifact.getString("sha256"));
    assertThat(copied.getJsonObject("version").getJsonObject("artifact").getString("key"))
        .isNotEqualTo(artifact.getString("key"));

    JsonObject started = editor.ok("start_training", new JsonObject().put("dataset", "customers")
        .put("algorithm", "logistic_regression").put("label", "churned").put("exclude", new JsonArray().add("id"))
        .put("missing", "mean").put("params", new JsonObject().put("maxIter", 30)).put("model", "churn"));
    assertThat(started.getString("status")).isEqualTo("queued");
    JsonObject execution = waitForEnd(started.getString("id"));
    assertThat(execution.getString("status")).as(execution.encode()).isEqualTo("succeeded");
    int version = execution.getJsonObject("result").getInteger("version");

    JsonObject model = editor.ok("get_model_version", new JsonObject().put("name", "churn")
        .put("version", String.valueOf(version)));
    JsonArray inputs = model.getJsonObject("serving").getJsonObject("signature").getJsonArray("inputs");
    assertThat(model.getJsonObject("serving").getString("format")).isEqualTo("onnx");
    assertThat(inputs).isNotEmpty();

    editor.ok("create_deployment", new JsonObject().put("name", "churn-api").put("model", "churn")
        .put("version", version));
    JsonObject deployment = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
        .until(() -> editor.ok("get_deployment", new JsonObject().put("name", "churn-api")),
            matching("churn-api ready", polled -> "ready".equals(polled.getString("status"))));

    JsonObject row = new JsonObject();
    JsonObject first = dataset.getJsonArray("rows").getJsonObject(0);
    for (Object input : inputs) {
      String name = ((JsonObject) input).getString("name");
      row.put(name, first.getValue(name) == null ? 0 : first.getValue(name));
    }
    JsonObject scored = editor.ok("predict", new JsonObject().put("deployment", "churn-api")
        .put("inputs", new JsonArray().add(row).add(row)));
    assertThat(scored.getJsonArray("outputs")).hasSize(2);
    assertThat(predictor.ok("predict", new JsonObject().put("deployment", "churn-api")
        .put("inputs", new JsonArray().add(row))).getJsonArray("outputs")).hasSize(1);

    // the same things as resources
    JsonArray resources = editor.request("resources/list", new JsonObject()).result().getJsonArray("resources");
    assertThat(resources.stream().map(r -> ((JsonObject) r).getString("uri")))
        .contains("mlplatform://models", "mlplatform://datasets");
    JsonArray read = editor.request("resources/read", new JsonObject().put("uri", "mlplatform://models/churn"))
        .result().getJsonArray("contents");
    assertThat(read.getJsonObject(0).getString("mimeType")).isEqualTo("text/markdown");
    assertThat(read.getJsonObject(0).getString("text")).contains("churn");
    assertThat(new JsonObject(read.getJsonObject(1).getString("text")).getInteger("latest_version")).isEqualTo(version);
    JsonArray catalog = editor.request("resources/read", new JsonObject().put("uri", "mlplatform://models")).result()
        .getJsonArray("contents");
    assertThat(catalog.getJsonObject(0).getString("text")).contains("churn");
    JsonArray templates = editor.request("resources/templates/list", new JsonObject()).result()
        .getJsonArray("resourceTemplates");
    assertThat(templates.stream().map(t -> ((JsonObject) t).getString("uriTemplate")))
        .contains("mlplatform://models/{name}/versions/{version}", "mlplatform://datasets/{name}/versions/{version}/preview");
    JsonArray preview = editor.request("resources/read", new JsonObject()
        .put("uri", "mlplatform://datasets/customers/versions/1/preview")).result().getJsonArray("contents");
    assertThat(new JsonObject(preview.getJsonObject(1).getString("text")).getJsonArray("rows")).hasSize(20);
    JsonObject missing = editor.request("resources/read", new JsonObject().put("uri", "mlplatform://models/nope"))
        .error();
    assertThat(missing.getInteger("code")).isEqualTo(-32002);

    // prompts a desktop client offers as commands, their arguments completed from the registry
    JsonObject completed = editor.request("completion/complete", new JsonObject()
        .put("ref", new JsonObject().put("type", "ref/resource").put("uri", "mlplatform://models/{name}"))
        .put("argument", new JsonObject().put("name", "name").put("value", "ch"))).result();
    assertThat(completed.getJsonObject("completion").getJsonArray("values")).containsExactly("churn");
    JsonObject datasets = editor.request("completion/complete", new JsonObject()
        .put("ref", new JsonObject().put("type", "ref/prompt").put("name", "train_and_deploy"))
        .put("argument", new JsonObject().put("name", "dataset").put("value", "cu"))).result();
    assertThat(datasets.getJsonObject("completion").getJsonArray("values"))
        .containsExactlyInAnyOrder("customers", "customers-copy");
    JsonObject prompt = editor.request("prompts/get", new JsonObject().put("name", "train_and_deploy")
        .put("arguments", new JsonObject().put("dataset", "customers").put("label", "churned"))).result();
    assertThat(prompt.getJsonArray("messages").getJsonObject(0).getJsonObject("content").getString("text"))
        .contains("'customers'", "start_training", "'churned'");
    assertThat(editor.request("prompts/get", new JsonObject().put("name", "train_and_deploy")
        .put("arguments", new JsonObject().put("dataset", "customers"))).error().getString("message")).contains("label");

    editor.ok("scale_deployment", new JsonObject().put("name", "churn-api").put("replicas", 2));
    assertThat(editor.ok("delete_deployment", new JsonObject().put("name", "churn-api")).getString("deleted"))
        .isEqualTo("churn-api");
  }

  private static JsonObject waitForEnd(String id) {
    // each call waits up to 20 s on the server for the execution to end
    return await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofMillis(100))
        .until(() -> editor.ok("get_execution", new JsonObject().put("id", id).put("wait_seconds", 20)),
            matching("execution " + id + " ended",
                execution -> Set.of("succeeded", "failed", "cancelled").contains(execution.getString("status"))));
  }

  @Test
  @DisplayName("a role sees only the tools it may use; calling another is the protocol's error naming the permission")
  void rolesDecideTheTools() {
    Set<String> viewerTools = names(viewer.request("tools/list", new JsonObject()).result());
    assertThat(viewerTools).contains("search_models", "get_dataset", "get_execution", "whoami")
        .doesNotContain("upload_dataset", "start_training", "create_deployment", "predict", "set_model_alias");
    Set<String> predictorTools = names(predictor.request("tools/list", new JsonObject()).result());
    assertThat(predictorTools).containsExactly("predict");
    Set<String> editorTools = names(editor.request("tools/list", new JsonObject()).result());
    assertThat(editorTools).contains("upload_dataset", "start_training", "start_transform", "start_evaluation",
        "start_batch_prediction", "create_deployment", "scale_deployment", "delete_deployment", "predict",
        "start_workflow_run", "get_workflow_run", "set_model_alias");

    JsonObject refused = viewer.request("tools/call", new JsonObject().put("name", "upload_dataset")
        .put("arguments", new JsonObject().put("name", "sneaky").put("csv", "a,b\n1,2\n"))).error();
    assertThat(refused.getInteger("code")).isEqualTo(AgentEndpoint.PERMISSION_DENIED);
    assertThat(refused.getString("message")).contains("write");
    assertThat(refused.getJsonObject("data").getString("permission")).isEqualTo("write");
    assertThat(editor.call("get_dataset", new JsonObject().put("name", "sneaky")).getBoolean("isError")).isTrue();
    JsonObject resource = predictor.request("resources/read", new JsonObject().put("uri", "mlplatform://datasets"))
        .error();
    assertThat(resource.getInteger("code")).isEqualTo(AgentEndpoint.PERMISSION_DENIED);

    JsonObject me = viewer.ok("whoami", new JsonObject());
    assertThat(me.getString("name")).isEqualTo("reader");
    assertThat(me.getJsonArray("permissions")).containsExactly("read");

    Set<String> anonymousTools = names(new McpHttp(node.httpPort(), null).request("tools/list", new JsonObject())
        .result());
    assertThat(anonymousTools).isEqualTo(viewerTools);
    McpHttp forged = new McpHttp(node.httpPort(), "mlp_not-a-key");
    assertThat(forged.initialize().status()).isEqualTo(401);
  }

  @Test
  @DisplayName("bad arguments are tool errors that say what is wrong, and leave nothing behind")
  void badArguments() {
    JsonObject badName = editor.call("get_model", new JsonObject().put("name", "../etc"));
    assertThat(badName.getBoolean("isError")).as(badName.encode()).isTrue();
    JsonObject both = editor.call("upload_dataset", new JsonObject().put("name", "both").put("csv", "a\n1\n")
        .put("url", "s3://datasets/x.csv"));
    assertThat(both.getBoolean("isError")).isTrue();
    assertThat(both.getJsonArray("content").getJsonObject(0).getString("text")).contains("not both");
    JsonObject nowhere = editor.call("upload_dataset", new JsonObject().put("name", "nowhere")
        .put("url", "s3://datasets/no/such.csv"));
    assertThat(nowhere.getBoolean("isError")).isTrue();
    assertThat(nowhere.getJsonArray("content").getJsonObject(0).getString("text")).contains("no object");
    JsonObject ragged = editor.call("upload_dataset", new JsonObject().put("name", "ragged").put("csv", "a,b\n1,2,3\n"));
    assertThat(ragged.getBoolean("isError")).as(ragged.encode()).isTrue();
    assertThat(editor.call("get_dataset", new JsonObject().put("name", "ragged")).getBoolean("isError")).isTrue();
    JsonObject unknownColumn = editor.call("start_training", new JsonObject().put("dataset", "customers-missing")
        .put("algorithm", "logistic_regression").put("label", "y").put("model", "m"));
    assertThat(unknownColumn.getBoolean("isError")).isTrue();
    JsonObject extra = editor.call("search_models", new JsonObject().put("colour", "blue"));
    assertThat(extra.getBoolean("isError")).as(extra.encode()).isTrue();
    JsonObject unknown = editor.request("tools/call", new JsonObject().put("name", "drop_everything")
        .put("arguments", new JsonObject())).json();
    assertThat(unknown.containsKey("error") || unknown.getJsonObject("result").getBoolean("isError")).isTrue();
    assertThat(editor.call("list_executions", new JsonObject()).getJsonObject("structuredContent")
        .getJsonArray("items").stream().map(e -> ((JsonObject) e).getString("type"))).doesNotContain("unknown");
  }

  @Test
  @DisplayName("the transport: one JSON answer per POST, 202 for notifications, 405 for GET, other sites refused")
  void transport() {
    McpHttp.Answer ping = editor.request("ping", null);
    assertThat(ping.status()).isEqualTo(200);
    assertThat(ping.result()).isEmpty();
    assertThat(editor.post(new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/initialized").encode(),
        Map.of()).status()).isEqualTo(202);
    assertThat(editor.get().status()).isEqualTo(405);
    String initialize = new JsonObject().put("jsonrpc", "2.0").put("id", 1).put("method", "initialize")
        .put("params", new JsonObject().put("protocolVersion", McpHttp.VERSION).put("capabilities", new JsonObject())
            .put("clientInfo", new JsonObject().put("name", "t").put("version", "1"))).encode();
    assertThat(editor.post(initialize, Map.of("Origin", "http://evil.example.com")).status()).isEqualTo(403);
    assertThat(editor.post(initialize, Map.of("Origin", "http://localhost:" + node.httpPort())).status())
        .isEqualTo(200);
    McpHttp.Answer badVersion = editor.post(initialize, Map.of("MCP-Protocol-Version", "1999-01-01"));
    assertThat(badVersion.status()).isEqualTo(400);
    assertThat(badVersion.error().getString("message")).contains("2025-11-25");
    McpHttp.Answer garbage = editor.post("{\"not\": \"json-rpc\"", Map.of());
    assertThat(garbage.status()).isEqualTo(400);
    assertThat(garbage.error().getInteger("code")).isEqualTo(-32700);
    McpHttp.Answer unknownMethod = editor.request("sampling/createMessage", new JsonObject());
    assertThat(unknownMethod.error().getInteger("code")).isEqualTo(-32601);
  }

  @Test
  @DisplayName("the official MCP Inspector CLI lists, calls and reads, with an editor's key and a viewer's")
  void inspector() {
    String url = "http://127.0.0.1:" + node.httpPort() + AgentEndpoint.PATH;
    String asEditor = "Authorization: Bearer " + editorKey;
    AgentClients.Run listed = AgentClients.inspector(url, "--header", asEditor, "--method", "tools/list");
    assertThat(listed.exit()).as(listed.output()).isZero();
    assertThat(AgentClients.names(listed.json(), "tools")).contains("upload_dataset", "start_training", "predict");
    AgentClients.Run uploaded = AgentClients.inspector(url, "--header", asEditor, "--method", "tools/call",
        "--tool-name", "upload_dataset", "--tool-arg", "name=inspected", "--tool-arg", "csv=city,amount\nLyon,2.5\nParis,\n");
    assertThat(uploaded.exit()).as(uploaded.output()).isZero();
    AgentClients.Run got = AgentClients.inspector(url, "--header", asEditor, "--method", "tools/call",
        "--tool-name", "get_dataset", "--tool-arg", "name=inspected");
    assertThat(got.exit()).as(got.output()).isZero();
    JsonObject dataset = got.json().getJsonObject("structuredContent");
    assertThat(dataset.getJsonObject("version").getLong("row_count")).as(got.output()).isEqualTo(2);
    AgentClients.Run read = AgentClients.inspector(url, "--header", asEditor, "--method", "resources/read",
        "--uri", "mlplatform://datasets/inspected");
    assertThat(read.exit()).as(read.output()).isZero();
    assertThat(read.output()).contains("inspected");

    String asViewer = "Authorization: Bearer " + viewerKey;
    AgentClients.Run viewerList = AgentClients.inspector(url, "--header", asViewer, "--method", "tools/list");
    assertThat(AgentClients.names(viewerList.json(), "tools")).contains("get_dataset").doesNotContain("upload_dataset");
    AgentClients.Run refused = AgentClients.inspector(url, "--header", asViewer, "--method", "tools/call",
        "--tool-name", "upload_dataset", "--tool-arg", "name=sneaky", "--tool-arg", "csv=a");
    assertThat(refused.exit()).as(refused.output()).isNotZero();
    assertThat(refused.output()).contains("write");
  }

  @Test
  @DisplayName("the protocol's conformance suite passes, but for the scenarios its baseline names with a reason")
  void conformance(@TempDir Path results) {
    AgentClients.Run run = AgentClients.conformance("http://127.0.0.1:" + node.httpPort() + AgentEndpoint.PATH,
        results);
    assertThat(run.exit()).as(run.output()).isZero();
    assertThat(run.output()).contains("server-initialize: 1 passed, 0 failed", "tools-list: 1 passed, 0 failed",
        "dns-rebinding-protection: 2 passed, 0 failed", "prompts-list: 1 passed, 0 failed");
  }

  private static Set<String> names(JsonObject toolsList) {
    List<Object> tools = toolsList.getJsonArray("tools").getList();
    JsonArray all = toolsList.getJsonArray("tools");
    for (int i = 0; i < all.size(); i++) {
      JsonObject tool = all.getJsonObject(i);
      assertThat(tool.getJsonObject("inputSchema").getString("type")).isEqualTo("object");
      assertThat(tool.getJsonObject("outputSchema").getString("type")).isEqualTo("object");
      assertThat(tool.getString("description")).hasSizeGreaterThan(20);
    }
    return all.stream().map(t -> ((JsonObject) t).getString("name")).collect(Collectors.toSet());
  }
}
