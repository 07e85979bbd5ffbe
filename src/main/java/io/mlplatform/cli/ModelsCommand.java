package io.mlplatform.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** {@code mlp models}: the model registry's models, their versions (uploaded artifacts) and aliases. */
@Command(name = "models", description = "Models, their versions and aliases.",
    subcommands = {ModelsCommand.Versions.class, ModelsCommand.Aliases.class})
final class ModelsCommand extends Group {
  /** A version's format from its file's extension, when --format is not given (as the Python client does). */
  private static final Map<String, String> FORMATS = Map.of(".onnx", "onnx", ".pmml", "pmml", ".xml", "pmml",
      ".zip", "spark");

  @Command(name = "list", description = "Models whose name, description or tags match --search.")
  void list(@Option(names = "--search", paramLabel = "SEARCH") String search,
            @Option(names = "--limit", paramLabel = "LIMIT", defaultValue = "50") int limit,
            @Option(names = "--offset", paramLabel = "OFFSET", defaultValue = "0") int offset) {
    output().page(platform().get("/api/models" + Platform.query("search", search, "limit", limit, "offset", offset)),
        "name", "latest_version", "aliases", "description", "updated_at");
  }

  @Command(name = "get", description = "A model: description, tags, aliases, latest version.")
  void get(@Parameters(paramLabel = "NAME") String name) {
    output().object(platform().get(Platform.path("api", "models", name)));
  }

  @Command(name = "create", description = "Registers a model (its versions come with `models versions upload`).")
  void create(@Parameters(paramLabel = "NAME") String name,
              @Option(names = "--description", paramLabel = "DESCRIPTION") String description,
              @Option(names = "--tag", paramLabel = "KEY=VALUE") Map<String, String> tags) {
    ObjectNode body = present(Platform.object(), "name", name, "description", description, "tags", tags);
    output().object(platform().call("POST", "/api/models", body));
  }

  @Command(name = "delete", description = "Deletes a model with its versions and artifacts.")
  void delete(@Parameters(paramLabel = "NAME") String name) {
    platform().delete(Platform.path("api", "models", name));
    output().said("deleted model " + name);
  }

  /** {@code mlp models versions}: immutable, numbered versions of a model. */
  @Command(name = "versions", description = "A model's versions: list, get, upload, download.")
  static final class Versions extends Group {
    @Command(name = "list", description = "A model's versions.")
    void list(@Parameters(paramLabel = "MODEL") String model) {
      output().page(platform().get(Platform.path("api", "models", model, "versions")),
          "version", "format", "aliases", "size", "metrics", "created_at");
    }

    @Command(name = "get", description = "A version by number, alias or latest: format, signature, metrics, "
        + "params, lineage, evaluations.")
    void get(@Parameters(paramLabel = "MODEL") String model,
             @Parameters(paramLabel = "VERSION", defaultValue = "latest") String version) {
      output().object(platform().get(Platform.path("api", "models", model, "versions", version)));
    }

    @Command(name = "upload", description = "Uploads an artifact (streamed) as the model's next version: onnx, "
        + "pmml or spark (a zip of a saved pipeline), the format read from the extension unless --format says it.")
    void upload(@Parameters(paramLabel = "MODEL") String model,
                @Parameters(paramLabel = "FILE") Path file,
                @Option(names = "--format", paramLabel = "onnx|pmml|spark") String format,
                @Option(names = "--description", paramLabel = "DESCRIPTION") String description,
                @Option(names = "--metrics", paramLabel = "JSON", description = "e.g. '{\"auc\": 0.91}'") String metrics,
                @Option(names = "--params", paramLabel = "JSON") String params,
                @Option(names = "--source", paramLabel = "JSON", description = "e.g. '{\"dataset\": \"iris\"}'")
                String source) {
      String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
      String chosen = format != null ? format
          : FORMATS.get(name.contains(".") ? name.substring(name.lastIndexOf('.')) : "");
      if (chosen == null) {
        throw CliFailure.usage("cannot tell the format of " + file + ": give --format onnx, pmml or spark");
      }
      Map<String, String> fields = new LinkedHashMap<>();
      fields.put("format", chosen);
      if (description != null) {
        fields.put("description", description);
      }
      putJson(fields, "params", params);
      putJson(fields, "metrics", metrics);
      putJson(fields, "source", source);
      output().object(platform().upload(Platform.path("api", "models", model, "versions"), fields, file,
          file.getFileName().toString()));
    }

    @Command(name = "download", description = "Downloads a version's artifact (streamed).")
    void download(@Parameters(paramLabel = "MODEL") String model,
                  @Parameters(paramLabel = "VERSION", defaultValue = "latest") String version,
                  @Option(names = {"-o", "--output"}, paramLabel = "FILE",
                      description = "a file or directory (default: the served name here; - for standard output)")
                  String destination) {
      downloadTo(destination, Platform.path("api", "models", model, "versions", version, "artifact"),
          "download " + model + " version " + version);
    }

    private static void putJson(Map<String, String> fields, String name, String given) {
      if (given != null) {
        fields.put(name, json("--" + name, given).toString());
      }
    }
  }

  /** {@code mlp models alias}: names for versions (champion, production) that deployments follow. */
  @Command(name = "alias", description = "Points an alias at a version, or removes it.")
  static final class Aliases extends Group {
    @Command(name = "set", description = "Points ALIAS at a version number; deployments naming it follow.")
    void set(@Parameters(paramLabel = "MODEL") String model,
             @Parameters(paramLabel = "ALIAS") String alias,
             @Parameters(paramLabel = "VERSION") int version) {
      ObjectNode body = Platform.object().put("version", version);
      output().object(platform().call("PUT", Platform.path("api", "models", model, "aliases", alias), body));
    }

    @Command(name = "delete", description = "Removes an alias.")
    void delete(@Parameters(paramLabel = "MODEL") String model, @Parameters(paramLabel = "ALIAS") String alias) {
      platform().delete(Platform.path("api", "models", model, "aliases", alias));
      output().said("removed alias " + alias + " of " + model);
    }
  }
}
