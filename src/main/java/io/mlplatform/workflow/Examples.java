package io.mlplatform.workflow;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The example workflows shipped with the platform (resources under workflow-examples/), installable in one call. */
final class Examples {
  private static final List<String> NAMES = List.of("train-evaluate-deploy", "tune-and-deploy", "llm-summarize-classify");

  private Examples() {
  }

  static JsonArray all() {
    JsonArray examples = new JsonArray();
    for (String name : NAMES) {
      try (InputStream in = Examples.class.getResourceAsStream("/workflow-examples/" + name + ".json")) {
        examples.add(new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return examples;
  }
}
