package io.mlplatform.security;

import io.mlplatform.Node;
import io.mlplatform.mcp.Addresses;
import io.mlplatform.mcp.Envelope;
import io.mlplatform.mcp.McpClient;
import io.mlplatform.mcp.McpException;
import io.mlplatform.support.Api;
import io.mlplatform.support.FakeChatServer;
import io.mlplatform.support.FromNode;
import io.mlplatform.support.NodeSettings;
import io.mlplatform.support.SharedNode;
import io.mlplatform.support.TestModels;
import io.mlplatform.support.TestNode;
import io.mlplatform.support.Waits;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("slow")
@ExtendWith(SharedNode.class)
@NodeSettings
@DisplayName("An editor's key cannot become an admin's: every reproduction of issue 12's paths to admin is refused")
class SecurityTest {
  @FromNode static Node node;
  static String adminKey;
  @FromNode static Api open;
  static Api editor;
  static FakeChatServer listener;

  @BeforeAll
  static void start(TestNode own) throws Exception {
    // an open laptop node (anonymous is admin) that also knows an admin key an attacker would like to read
    adminKey = own.adminKey();
    Api.Response key = open.postJson("/api/keys", new JsonObject().put("name", "mallory")
        .put("roles", new JsonArray().add("editor")));
    assertThat(key.status()).as(key.text()).isEqualTo(201);
    editor = open.withKey(key.json().getString("key"));
    listener = new FakeChatServer();
    assertThat(open.postJson("/api/models", new JsonObject().put("name", "chat")).status()).isEqualTo(201);
    Api.Response data = open.upload("/api/datasets", Map.of("name", "people"), "people.csv",
        "id,amount,city\n1,10.5,Lyon\n2,20.0,Paris\n3,30.0,Nice\n".getBytes(StandardCharsets.UTF_8));
    assertThat(data.status()).as(data.text()).isEqualTo(201);
  }

  @AfterAll
  static void stop() throws Exception {
    listener.close();
  }

  @Test
  @DisplayName("an LLM version may not read MLP_ADMIN_KEY (or any variable off the allow-list) nor send a key elsewhere")
  void llmVersionsReadNoVariable() {
    JsonObject attack = new JsonObject().put("format", "llm").put("provider", "x").put("model", "m")
        .put("base_url", listener.baseUrl()).put("api_key_env", "MLP_ADMIN_KEY");
    Api.Response asEditor = editor.postJson("/api/models/chat/versions", attack);
    assertThat(asEditor.status()).as(asEditor.text()).isIn(400, 403);
    Api.Response asAdmin = open.postJson("/api/models/chat/versions", attack);
    assertThat(asAdmin.status()).as(asAdmin.text()).isEqualTo(400);
    assertThat(asAdmin.errorMessage()).contains("api_key_env").contains("MLP_SECRET_");
    // the answer is the same for a variable that exists (PATH) and one that does not
    Api.Response existing = open.postJson("/api/models/chat/versions", attack.copy().put("api_key_env", "PATH"));
    Api.Response missing = open.postJson("/api/models/chat/versions", attack.copy().put("api_key_env", "NO_SUCH_VAR_X"));
    assertThat(existing.status()).isEqualTo(400);
    assertThat(existing.errorMessage()).isEqualTo(missing.errorMessage());

    // another endpoint is an admin's decision, even with an allow-listed variable or none at all
    Api.Response elsewhere = editor.postJson("/api/models/chat/versions", new JsonObject().put("format", "llm")
        .put("provider", "x").put("model", "m").put("base_url", listener.baseUrl()));
    assertThat(elsewhere.status()).as(elsewhere.text()).isEqualTo(403);
    assertThat(elsewhere.errorMessage()).contains("base_url");
    Api.Response groqElsewhere = editor.postJson("/api/models/chat/versions", new JsonObject().put("format", "llm")
        .put("model", "m").put("base_url", listener.baseUrl()).put("api_key_env", "GROQ_API_KEY"));
    assertThat(groqElsewhere.status()).isEqualTo(403);
    // the default Groq endpoint stays an editor's to use; unknown fields are refused
    assertThat(editor.postJson("/api/models/chat/versions", new JsonObject().put("format", "llm").put("model", "m"))
        .status()).isEqualTo(201);
    Api.Response unknown = editor.postJson("/api/models/chat/versions", new JsonObject().put("format", "llm")
        .put("model", "m").put("api_key", "sk-123"));
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.errorMessage()).contains("api_key");
    // an admin may point a version at its own endpoint with a secret variable it set
    assertThat(open.postJson("/api/models/chat/versions", new JsonObject().put("format", "llm").put("provider", "local")
        .put("model", "m").put("base_url", listener.baseUrl()).put("api_key_env", "MLP_SECRET_LOCAL_LLM")).status())
        .isEqualTo(201);
    assertThat(open.get("/api/models/chat/versions").json().getLong("total")).isEqualTo(2);
    assertThat(listener.authorizations).noneMatch(header -> header.contains(adminKey));
  }

  @Test
  @DisplayName("transform SQL and filters may not read files, call reflection or reach beyond the view 'data'")
  void transformSqlIsConfined() {
    String[][] refused = {
        {"sql", "SELECT * FROM text.`file:///etc/passwd`", "text.file:///etc/passwd"},
        {"sql", "SELECT * FROM parquet.`/tmp`", "parquet"},
        {"sql", "SELECT * FROM `file:///etc/passwd`", "file:///etc/passwd"},
        {"sql", "SELECT java_method('java.lang.System', 'getenv', 'MLP_ADMIN_KEY') AS k FROM data", "java_method"},
        {"sql", "SELECT upper(reflect('java.lang.System', 'getenv', 'MLP_ADMIN_KEY')) AS k FROM data", "reflect"},
        {"sql", "SELECT * FROM data WHERE id IN (SELECT length(try_reflect('java.lang.System', 'getenv', 'X')))", "try_reflect"},
        {"sql", "WITH t AS (SELECT * FROM csv.`/etc/passwd`) SELECT * FROM t", "csv"},
        {"sql", "INSERT OVERWRITE DIRECTORY '/tmp/out' SELECT * FROM data", "query"},
        {"sql", "CREATE TEMPORARY FUNCTION f AS 'x.Y' USING JAR 'file:///tmp/x.jar'", "query"},
        {"sql", "SELECT * FROM IDENTIFIER('text.`file:///etc/passwd`')", "IDENTIFIER"},
        {"sql", "SELECT * FROM other_view", "other_view"},
        {"filter", "reflect('java.lang.System', 'getenv', 'MLP_ADMIN_KEY') IS NOT NULL", "reflect"},
        {"filter", "SYSTEM.BUILTIN.JAVA_METHOD('java.lang.System', 'getenv', 'X') IS NULL", "java_method"},
        {"filter", "EXISTS (SELECT * FROM json.`/etc`)", "json"},
    };
    long before = open.get("/api/executions").json().getLong("total");
    for (String[] attack : refused) {
      Api.Response response = editor.postJson("/api/executions", new JsonObject().put("type", "transform")
          .put("dataset", "people").put("output", "stolen")
          .put("steps", new JsonArray().add(new JsonObject().put(attack[0], attack[1]))));
      assertThat(response.status()).as(attack[1] + " → " + response.text()).isEqualTo(400);
      assertThat(response.errorMessage()).as(attack[1]).contains(attack[2]);
    }
    // after a sql step columns are not tracked: a backtick in a selected name would end its quote
    Api.Response injected = editor.postJson("/api/executions", new JsonObject().put("type", "transform")
        .put("dataset", "people").put("output", "stolen").put("steps", new JsonArray()
            .add(new JsonObject().put("sql", "SELECT * FROM data"))
            .add(new JsonObject().put("select", new JsonArray()
                .add("id` + length(java_method('java.lang.System', 'getenv', 'MLP_ADMIN_KEY')) AS `k")))));
    assertThat(injected.status()).as(injected.text()).isEqualTo(400);
    assertThat(injected.errorMessage()).contains("backtick");
    assertThat(open.get("/api/executions").json().getLong("total")).isEqualTo(before);
  }

  @Test
  @DisplayName("the view 'data', CTEs, subqueries on data and generators still run")
  void transformSqlStillWorks() throws Exception {
    Api.Response queued = editor.postJson("/api/executions", new JsonObject().put("type", "transform")
        .put("dataset", "people").put("output", "people-big").put("steps", new JsonArray()
            .add(new JsonObject().put("filter", "amount > 10 AND upper(city) <> 'X'"))
            .add(new JsonObject().put("sql", "WITH t AS (SELECT * FROM data) SELECT id, amount FROM t "
                + "WHERE amount <= (SELECT max(amount) FROM data) UNION ALL SELECT id, CAST(id AS DOUBLE) FROM range(1)"))));
    assertThat(queued.status()).as(queued.text()).isEqualTo(202);
    JsonObject done = waitForExecution(queued.json().getString("id"));
    assertThat(done.getString("status")).as(done.encode()).isEqualTo("succeeded");
    assertThat(open.get("/api/datasets/people-big/versions/1").json().getLong("row_count")).isEqualTo(4);
  }

  @Test
  @DisplayName("a PMML document with a DOCTYPE (external entity, parameter entity or none) is refused at upload")
  void pmmlDoctypeRefused() {
    String pmml = new String(TestModels.pmmlRegression(), StandardCharsets.UTF_8);
    int root = pmml.indexOf("<PMML");
    String[] doctypes = {
        "<!DOCTYPE PMML [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>",
        "<!DOCTYPE PMML [<!ENTITY % remote SYSTEM \"http://127.0.0.1:1/x.dtd\"> %remote;]>",
        "<!DOCTYPE PMML SYSTEM \"http://127.0.0.1:1/pmml.dtd\">",
        "<!DOCTYPE PMML>"};
    for (String doctype : doctypes) {
      String document = pmml.substring(0, root) + doctype + "\n" + pmml.substring(root);
      Api.Response response = editor.upload("/api/models/chat/versions", Map.of("format", "pmml"), "m.pmml",
          document.getBytes(StandardCharsets.UTF_8));
      assertThat(response.status()).as(doctype + " → " + response.text()).isEqualTo(400);
      assertThat(response.errorMessage()).contains("DOCTYPE");
    }
  }

  @Test
  @DisplayName("a bare message to the access server without an admin caller creates, lists and deletes no key")
  void accessServerChecksTheCaller() throws Exception {
    McpClient bare = new McpClient(node.vertx(), new Envelope.Party("intruder", "intruder"), 5000);
    for (String operation : new String[]{"key.create", "key.list", "key.delete"}) {
      Envelope request = bare.newRequest(new Envelope.Party("access-server", "access-server"), operation,
          new JsonObject().put("name", "backdoor").put("roles", new JsonArray().add("admin")));
      assertThatThrownBy(() -> bare.send(Addresses.ACCESS_SERVER, request).toCompletionStage().toCompletableFuture()
          .get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
          .cause().isInstanceOf(McpException.class).hasMessageContaining("caller");
      // an editor's caller in the envelope is no better
      Envelope asEditor = request.onBehalfOf(new io.mlplatform.mcp.Caller("k1", "mallory", java.util.List.of("editor")));
      assertThatThrownBy(() -> bare.send(Addresses.ACCESS_SERVER, asEditor).toCompletionStage().toCompletableFuture()
          .get(10, TimeUnit.SECONDS)).cause().isInstanceOf(McpException.class).hasMessageContaining("admin");
    }
    assertThat(open.get("/api/keys").json().getJsonArray("items").stream()
        .map(k -> ((JsonObject) k).getString("name"))).doesNotContain("backdoor");
  }

  private static JsonObject waitForExecution(String id) {
    return Waits.executionEnded(open, id, Duration.ofSeconds(60));
  }

}
