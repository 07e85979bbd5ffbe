package io.mlplatform.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/** A group of verbs (models, datasets, …): what every verb needs from the top command, and option helpers. */
abstract class Group {
  @Spec
  CommandSpec spec;

  Mlp root() {
    return (Mlp) spec.root().userObject();
  }

  Platform platform() {
    return root().platform();
  }

  Output output() {
    return root().output();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  /** Downloads (streamed, with progress) and says where the bytes went. */
  void downloadTo(String destination, String path, String label) {
    output().said("saved " + platform().download(path, destination, label));
  }

  /** Waits for an execution or run to end, prints it, and fails (exit 1) unless it succeeded. */
  void waitToEnd(Supplier<JsonNode> fetch, String label, double timeout, ToDoubleFunction<JsonNode> fraction) {
    JsonNode ended = Waiting.forEnd(fetch, label, timeout, fraction, err());
    output().object(ended);
    Waiting.check(ended, label);
  }

  /** A version given on the command line: a number is a number in the request, an alias or "latest" a string. */
  static JsonNode version(String version) {
    return version.matches("[0-9]{1,9}") ? Platform.JSON.getNodeFactory().numberNode(Integer.parseInt(version))
        : Platform.JSON.getNodeFactory().textNode(version);
  }

  /** JSON given as an option: inline, "@file", or "-" for standard input. */
  static JsonNode json(String option, String given) {
    try {
      String text = "-".equals(given) ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
          : given.startsWith("@") ? Files.readString(Path.of(given.substring(1))) : given;
      return Platform.JSON.readTree(text);
    } catch (NoSuchFileException e) {
      throw CliFailure.usage(option + ": no such file: " + e.getFile());
    } catch (IOException e) {
      throw CliFailure.usage(option + " is not JSON: " + e.getMessage().lines().findFirst().orElse(""));
    }
  }

  /** A JSON object from "key=value" options, each value a {@link #scalar}. */
  static ObjectNode pairs(Map<String, String> given) {
    ObjectNode object = Platform.object();
    given.forEach((key, value) -> object.set(key, scalar(value)));
    return object;
  }

  /** A value given as text: as JSON when it reads as JSON (a number, true, a list), else the text itself. */
  static JsonNode scalar(String given) {
    try {
      return Platform.JSON.readTree(given);
    } catch (IOException e) {
      return Platform.JSON.getNodeFactory().textNode(given);
    }
  }

  /** Puts the fields whose value is given (not null, not empty): the API's optional fields are absent, never null. */
  static ObjectNode present(ObjectNode body, Object... namesAndValues) {
    for (int i = 0; i < namesAndValues.length; i += 2) {
      String name = (String) namesAndValues[i];
      Object value = namesAndValues[i + 1];
      if (value == null || value instanceof List<?> list && list.isEmpty()
          || value instanceof Map<?, ?> map && map.isEmpty()) {
        continue;
      }
      body.set(name, value instanceof JsonNode node ? node : Platform.JSON.valueToTree(value));
    }
    return body;
  }
}
