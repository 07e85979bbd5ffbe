package io.mlplatform;

import io.mlplatform.support.Api;
import io.mlplatform.support.FromNode;
import io.mlplatform.support.ObjectListing;
import io.mlplatform.support.SharedNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("fast")
@ExtendWith(SharedNode.class)
@DisplayName("Datasets through the HTTP API")
class DatasetApiTest {
  private static final String CSV = """
      id,amount,active,signup,city
      1,10.5,true,2024-01-05,Lyon
      2,7,false,2024-02-11T09:30:00,Paris
      3,,true,2024-03-01,"Aix, en Provence"
      4,12.25,TRUE,2024-04-20,
      """;

  @TempDir
  static Path dir;
  @FromNode static Node node;
  @FromNode static Api api;

  @Test
  @DisplayName("a Parquet upload gets its schema and row count from the footer; preview reads typed rows")
  void parquetDataset() throws Exception {
    MessageType schema = Types.buildMessage()
        .required(PrimitiveTypeName.INT64).named("id")
        .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("city")
        .required(PrimitiveTypeName.DOUBLE).named("score")
        .required(PrimitiveTypeName.INT64)
        .as(LogicalTypeAnnotation.timestampType(true, LogicalTypeAnnotation.TimeUnit.MILLIS)).named("at")
        .named("row");
    Path file = dir.resolve("scores.parquet");
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file)).withType(schema).build()) {
      writer.write(groups.newGroup().append("id", 1L).append("city", "Lyon").append("score", 0.5)
          .append("at", 1_700_000_000_000L));
      writer.write(groups.newGroup().append("id", 2L).append("score", 1.5).append("at", 1_700_000_060_000L));
      writer.write(groups.newGroup().append("id", 3L).append("city", "Paris").append("score", -2.0)
          .append("at", 1_700_000_120_000L));
    }
    byte[] bytes = java.nio.file.Files.readAllBytes(file);
    Api.Response created = api.upload("/api/datasets", Map.of("name", "scores"), "scores.parquet", bytes);
    assertThat(created.status()).as(created.text()).isEqualTo(201);
    JsonObject version = created.json().getJsonObject("version");
    assertThat(version.getString("format")).isEqualTo("parquet");
    assertThat(version.getLong("row_count")).isEqualTo(3);
    assertThat(version.getString("sha256")).isEqualTo(ModelApiTest.sha256(bytes));
    assertThat(version.getJsonArray("schema")).isEqualTo(new JsonArray()
        .add(column("id", "integer", false))
        .add(column("city", "string", true))
        .add(column("score", "double", false))
        .add(column("at", "timestamp", false)));

    JsonArray rows = api.get("/api/datasets/scores/versions/1/preview?limit=2").json().getJsonArray("rows");
    assertThat(rows).hasSize(2);
    assertThat(rows.getJsonObject(0)).isEqualTo(new JsonObject().put("id", 1L).put("city", "Lyon").put("score", 0.5)
        .put("at", "2023-11-14T22:13:20Z"));
    assertThat(rows.getJsonObject(1).getValue("city")).isNull();
    assertThat(api.get("/api/datasets/scores/versions/1/download").bytes()).isEqualTo(bytes);

    int objectsBefore = ObjectListing.keys(node, "datasets").size();
    Api.Response notParquet = api.upload("/api/datasets", Map.of("name", "fake"), "fake.parquet",
        CSV.getBytes(StandardCharsets.UTF_8));
    assertThat(notParquet.status()).isEqualTo(400);
    assertThat(notParquet.errorMessage()).contains("not a readable Parquet file");
    assertThat(ObjectListing.keys(node, "datasets")).hasSize(objectsBefore);
    assertThat(api.get("/api/datasets/fake").status()).isEqualTo(404);
  }

  @Test
  @DisplayName("a CSV upload shows its schema, row count, size and sha256; preview and download follow")
  void csvDataset() throws Exception {
    byte[] bytes = CSV.getBytes(StandardCharsets.UTF_8);
    Api.Response created = api.upload("/api/datasets", Map.of("name", "customers", "description", "Dataset-API CRM export"),
        "customers.csv", bytes);
    assertThat(created.status()).as(created.text()).isEqualTo(201);
    JsonObject version = created.json().getJsonObject("version");
    assertThat(version.getInteger("version")).isEqualTo(1);
    assertThat(version.getLong("row_count")).isEqualTo(4);
    assertThat(version.getLong("size")).isEqualTo(bytes.length);
    assertThat(version.getString("sha256")).isEqualTo(ModelApiTest.sha256(bytes));
    assertThat(version.getJsonArray("schema")).isEqualTo(new JsonArray()
        .add(column("id", "integer", false))
        .add(column("amount", "double", true))
        .add(column("active", "boolean", false))
        .add(column("signup", "timestamp", false))
        .add(column("city", "string", true)));

    JsonObject preview = api.get("/api/datasets/customers/versions/1/preview?limit=3").json();
    JsonArray rows = preview.getJsonArray("rows");
    assertThat(rows).hasSize(3);
    assertThat(rows.getJsonObject(0)).isEqualTo(new JsonObject().put("id", 1L).put("amount", 10.5)
        .put("active", true).put("signup", "2024-01-05").put("city", "Lyon"));
    assertThat(rows.getJsonObject(2).getValue("amount")).isNull();
    assertThat(rows.getJsonObject(2).getString("city")).isEqualTo("Aix, en Provence");

    Api.Response download = api.get("/api/datasets/customers/versions/1/download");
    assertThat(download.status()).isEqualTo(200);
    assertThat(download.bytes()).isEqualTo(bytes);
    assertThat(download.contentType()).startsWith("text/csv");

    JsonObject listed = api.get("/api/datasets?search=dataset-api%20crm").json();
    assertThat(listed.getLong("total")).isEqualTo(1);
  }

  @Test
  @DisplayName("a new version of a dataset is numbered after the last, and 'latest' names it")
  void newVersion() {
    api.upload("/api/datasets", Map.of("name", "events"), "e.csv", "a,b\n1,2\n".getBytes());
    Api.Response second = api.upload("/api/datasets/events/versions", "e2.csv", "a,b\n1,2\n3,4\n".getBytes());
    assertThat(second.status()).as(second.text()).isEqualTo(201);
    assertThat(second.json().getInteger("version")).isEqualTo(2);
    assertThat(api.get("/api/datasets/events/versions/latest").json().getLong("row_count")).isEqualTo(2);
    JsonObject dataset = api.get("/api/datasets/events").json();
    assertThat(dataset.getInteger("latest_version")).isEqualTo(2);
    assertThat(dataset.getJsonArray("versions")).hasSize(2);
    assertThat(api.get("/api/datasets/events/versions/3").status()).isEqualTo(404);
  }

  @Test
  @DisplayName("JSON Lines files get a schema from their keys and values")
  void jsonLines() {
    String lines = "{\"x\": 1, \"y\": \"a\", \"ok\": true}\n{\"x\": 2.5, \"z\": null}\n\n{\"x\": 3, \"y\": \"b\"}\n";
    Api.Response created = api.upload("/api/datasets", Map.of("name", "points"), "points.jsonl", lines.getBytes());
    assertThat(created.status()).as(created.text()).isEqualTo(201);
    JsonObject version = created.json().getJsonObject("version");
    assertThat(version.getString("format")).isEqualTo("jsonl");
    assertThat(version.getLong("row_count")).isEqualTo(3);
    assertThat(version.getJsonArray("schema")).isEqualTo(new JsonArray()
        .add(column("x", "double", false)).add(column("y", "string", true))
        .add(column("ok", "boolean", true)).add(column("z", "string", true)));
    JsonArray rows = api.get("/api/datasets/points/versions/1/preview").json().getJsonArray("rows");
    assertThat(rows).hasSize(3);
    assertThat(rows.getJsonObject(1).getDouble("x")).isEqualTo(2.5);
  }

  @Test
  @DisplayName("a format field sent ahead of the file says how to read it, whatever the file's name")
  void formatFieldAheadOfTheFile() {
    String lines = "{\"x\": 1, \"y\": \"a\"}\n{\"x\": 2, \"y\": null}\n";
    Map<String, String> fields = new java.util.LinkedHashMap<>();
    fields.put("name", "named-format");
    fields.put("format", "jsonl");
    Api.Response created = api.upload("/api/datasets", fields, "export.data", lines.getBytes());
    assertThat(created.status()).as(created.text()).isEqualTo(201);
    assertThat(created.json().getJsonObject("version").getString("format")).isEqualTo("jsonl");
    assertThat(created.json().getJsonObject("version").getLong("row_count")).isEqualTo(2);
  }

  @Test
  @DisplayName("ragged, empty or unreadable files and taken names are refused, and leave nothing behind")
  void badFiles() throws Exception {
    int objectsBefore = ObjectListing.keys(node, "datasets").size();

    Api.Response ragged = api.upload("/api/datasets", Map.of("name", "ragged"), "r.csv", "a,b\n1,2\n3\n".getBytes());
    assertThat(ragged.status()).isEqualTo(400);
    assertThat(ragged.errorMessage()).contains("line 3").contains("1 fields").contains("header has 2");

    Api.Response empty = api.upload("/api/datasets", Map.of("name", "empty"), "e.csv", new byte[0]);
    assertThat(empty.status()).isEqualTo(400);
    assertThat(empty.errorMessage()).contains("empty");

    Api.Response notJson = api.upload("/api/datasets", Map.of("name", "nj"), "n.jsonl", "{\"a\":1}\n[1,2]\n".getBytes());
    assertThat(notJson.status()).isEqualTo(400);
    assertThat(notJson.errorMessage()).contains("line 2");

    Api.Response unknown = api.upload("/api/datasets", Map.of("name", "bin"), "data.bin", "a,b\n1,2\n".getBytes());
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.errorMessage()).contains("format");

    Api.Response noFile = api.upload("/api/datasets", Map.of("name", "nofile"), null, null);
    assertThat(noFile.status()).isEqualTo(400);
    assertThat(noFile.errorMessage()).contains("file");

    Api.Response badName = api.upload("/api/datasets", Map.of("name", "../etc"), "x.csv", "a\n1\n".getBytes());
    assertThat(badName.status()).isEqualTo(400);
    assertThat(badName.errorMessage()).contains("name");

    api.upload("/api/datasets", Map.of("name", "taken"), "t.csv", "a\n1\n".getBytes());
    int withTaken = ObjectListing.keys(node, "datasets").size();
    Api.Response conflict = api.upload("/api/datasets", Map.of("name", "taken"), "t.csv", "a\n2\n".getBytes());
    assertThat(conflict.status()).isEqualTo(409);

    assertThat(ObjectListing.keys(node, "datasets")).hasSize(withTaken);
    assertThat(withTaken).isEqualTo(objectsBefore + 1);
    for (String name : new String[]{"ragged", "empty", "nj", "bin", "nofile"}) {
      assertThat(api.get("/api/datasets/" + name).status()).isEqualTo(404);
    }
    assertThat(api.get("/api/datasets/taken").json().getInteger("latest_version")).isEqualTo(1);
  }

  @Test
  @DisplayName("deleting a dataset removes its versions' files from the object store")
  void deleteRemovesObjects() throws Exception {
    String key = api.upload("/api/datasets", Map.of("name", "gone"), "g.csv", "a\n1\n".getBytes()).json()
        .getJsonObject("version").getJsonObject("artifact").getString("key");
    assertThat(ObjectListing.keys(node, "datasets")).contains(key);
    assertThat(api.delete("/api/datasets/gone").status()).isEqualTo(204);
    assertThat(ObjectListing.keys(node, "datasets")).doesNotContain(key);
    assertThat(api.get("/api/datasets/gone").status()).isEqualTo(404);
  }

  private static JsonObject column(String name, String type, boolean nullable) {
    return new JsonObject().put("name", name).put("type", type).put("nullable", nullable);
  }
}
