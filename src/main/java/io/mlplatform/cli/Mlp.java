package io.mlplatform.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The command line: {@code mlp <group> <verb> ...} against a platform's HTTP API (a client of the API only: it
 * starts neither Vert.x nor Spark). Exit codes: 0 ok, 1 refused or failed, 2 usage, 3 unreachable, 4 timed out.
 */
@Command(name = "mlp", version = "mlplatform command line 0.1.0", mixinStandardHelpOptions = true,
    scope = ScopeType.INHERIT,
    description = "Models, datasets, deployments, executions and workflows of an mlplatform, from the shell.",
    footer = {"", "Exit codes: 0 ok, 1 the platform refused or the execution failed, 2 usage, 3 cannot reach the "
        + "platform, 4 a wait timed out. --url, --api-key and --json go anywhere on the line.", "Without arguments (or with --cluster, --config FILE), "
        + "java -jar mlplatform.jar starts a node."})
public final class Mlp implements Runnable {
  static final String DEFAULT_URL = "http://localhost:8080";
  /** The verb groups, in the order help lists them. */
  private static final Map<String, Supplier<Group>> GROUPS = groups();

  @Spec
  CommandSpec spec;
  @Option(names = "--url", paramLabel = "URL", description = "the platform (default: $MLP_URL, else " + DEFAULT_URL + ")")
  private String url;
  @Option(names = "--api-key", paramLabel = "KEY", description = "sent as Authorization: Bearer (default: $MLP_API_KEY)")
  private String apiKey;
  @Option(names = "--json", description = "print the platform's JSON as it is")
  private boolean json;
  private Platform platform;

  /**
   * Runs a command line. The global options may come anywhere before "--" ({@code mlp models list --json}): they
   * are moved to the front here, as picocli's inherited options cannot reach the verbs, which are methods.
   */
  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    List<String> globals = new ArrayList<>();
    List<String> rest = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--")) {
        rest.addAll(Arrays.asList(args).subList(i, args.length));
        break;
      } else if (arg.equals("--json") || arg.startsWith("--url=") || arg.startsWith("--api-key=")) {
        globals.add(arg);
      } else if ((arg.equals("--url") || arg.equals("--api-key")) && i + 1 < args.length) {
        globals.add(arg);
        globals.add(args[++i]);
      } else {
        rest.add(arg);
      }
    }
    globals.addAll(rest);
    return commandLine(new Mlp(), out, err, rest.isEmpty() ? "" : rest.get(0))
        .execute(globals.toArray(String[]::new));
  }

  private static Map<String, Supplier<Group>> groups() {
    Map<String, Supplier<Group>> groups = new LinkedHashMap<>();
    groups.put("models", ModelsCommand::new);
    groups.put("datasets", DatasetsCommand::new);
    groups.put("deployments", DeploymentsCommand::new);
    groups.put("executions", ExecutionsCommand::new);
    groups.put("workflows", WorkflowsCommand::new);
    return groups;
  }

  /**
   * The command line with the group {@code first} names, or every group when it names none (top-level help): picocli
   * reads every verb's annotations when a group is added, most of a short command's time.
   */
  private static CommandLine commandLine(Mlp mlp, PrintWriter out, PrintWriter err, String first) {
    CommandLine line = new CommandLine(mlp);
    GROUPS.forEach((name, group) -> {
      if (!GROUPS.containsKey(first) || first.equals(name)) {
        line.addSubcommand(name, group.get());
      }
    });
    line.setOut(out);
    line.setErr(err);
    line.setExecutionExceptionHandler((failure, command, parsed) -> {
      Throwable cause = failure;
      while ((cause instanceof InvocationTargetException || cause instanceof CommandLine.ExecutionException)
          && cause.getCause() != null) {
        cause = cause.getCause();
      }
      if (cause instanceof CliFailure known) {
        command.getErr().println("error: " + known.code() + ": " + known.getMessage());
        command.getErr().flush();
        return known.exitCode();
      }
      throw failure;
    });
    return line;
  }

  public static void main(String[] args) {
    System.exit(execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
  }

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "name a group: models, datasets, deployments, executions, "
        + "workflows or whoami");
  }

  @Command(name = "whoami", description = "Who the API key makes you: name, roles, permissions.")
  void whoami() {
    output().object(platform().get("/api/me"));
  }

  Platform platform() {
    if (platform == null) {
      String chosen = url != null ? url : System.getenv().getOrDefault("MLP_URL", DEFAULT_URL);
      platform = new Platform(chosen, apiKey != null ? apiKey : System.getenv("MLP_API_KEY"),
          spec.commandLine().getErr());
    }
    return platform;
  }

  Output output() {
    return new Output(spec.commandLine().getOut(), json);
  }
}
