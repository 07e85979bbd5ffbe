package io.mlplatform.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** {@code mlp datasets}: versioned CSV, JSON Lines or Parquet files; uploads and downloads stream. */
@Command(name = "datasets", description = "Datasets: upload, preview, download.")
final class DatasetsCommand extends Group {
  @Command(name = "list", description = "Datasets whose name or description match --search.")
  void list(@Option(names = "--search", paramLabel = "SEARCH") String search,
            @Option(names = "--limit", paramLabel = "LIMIT", defaultValue = "50") int limit,
            @Option(names = "--offset", paramLabel = "OFFSET", defaultValue = "0") int offset) {
    output().page(platform().get("/api/datasets" + Platform.query("search", search, "limit", limit, "offset", offset)),
        "name", "latest_version", "description", "updated_at");
  }

  @Command(name = "get", description = "A dataset with its versions, or one version: schema, rows, size, sha256.")
  void get(@Parameters(paramLabel = "NAME") String name,
           @Option(names = "--version", paramLabel = "VERSION") String version) {
    output().object(platform().get(version == null ? Platform.path("api", "datasets", name)
        : Platform.path("api", "datasets", name, "versions", version)));
  }

  @Command(name = "upload", description = "Uploads a file (streamed): a new dataset, or the next version of NAME "
      + "when it exists. Its schema, row count, size and sha256 are computed on the way.")
  void upload(@Parameters(paramLabel = "NAME") String name,
              @Parameters(paramLabel = "FILE") Path file,
              @Option(names = "--description", paramLabel = "DESCRIPTION") String description,
              @Option(names = "--format", paramLabel = "csv|jsonl|parquet",
                  description = "default: the file's extension") String format) {
    boolean exists = exists(name);
    Map<String, String> fields = new LinkedHashMap<>();
    if (!exists) {
      fields.put("name", name);
      if (description != null) {
        fields.put("description", description);
      }
    }
    String filename = file.getFileName().toString();
    if (format != null) {
      fields.put("format", format);
      // the platform may read the file before the field: a name with the format's extension says it too
      if (!filename.toLowerCase(Locale.ROOT).endsWith("." + format.toLowerCase(Locale.ROOT))) {
        filename += "." + format.toLowerCase(Locale.ROOT);
      }
    }
    JsonNode created = platform().upload(exists ? Platform.path("api", "datasets", name, "versions")
        : "/api/datasets", fields, file, filename);
    output().object(created.has("version") && created.get("version").isObject() ? created.get("version") : created);
  }

  @Command(name = "preview", description = "The first rows of a version, as a table.")
  void preview(@Parameters(paramLabel = "NAME") String name,
               @Option(names = "--version", paramLabel = "VERSION", defaultValue = "latest") String version,
               @Option(names = "--limit", paramLabel = "LIMIT", defaultValue = "20") int limit) {
    JsonNode preview = platform().get(Platform.path("api", "datasets", name, "versions", version, "preview")
        + Platform.query("limit", limit));
    if (output().json()) {
      output().raw(preview);
      return;
    }
    List<String> columns = new ArrayList<>();
    preview.path("schema").forEach(column -> columns.add(column.path("name").asText()));
    output().table(preview.path("rows"), columns.toArray(String[]::new));
  }

  @Command(name = "download", description = "Downloads a version's file (streamed).")
  void download(@Parameters(paramLabel = "NAME") String name,
                @Option(names = "--version", paramLabel = "VERSION", defaultValue = "latest") String version,
                @Option(names = {"-o", "--output"}, paramLabel = "FILE",
                    description = "a file or directory (default: the served name here; - for standard output)")
                String destination) {
    downloadTo(destination, Platform.path("api", "datasets", name, "versions", version, "download"),
        "download " + name + " version " + version);
  }

  @Command(name = "delete", description = "Deletes a dataset with its versions and files.")
  void delete(@Parameters(paramLabel = "NAME") String name) {
    platform().delete(Platform.path("api", "datasets", name));
    output().said("deleted dataset " + name);
  }

  private boolean exists(String name) {
    try {
      platform().get(Platform.path("api", "datasets", name));
      return true;
    } catch (CliFailure e) {
      if ("not_found".equals(e.code())) {
        return false;
      }
      throw e;
    }
  }
}
