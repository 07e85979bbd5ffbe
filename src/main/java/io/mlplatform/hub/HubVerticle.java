package io.mlplatform.hub;

import io.mlplatform.mcp.Addresses;
import io.mlplatform.mcp.Envelope;
import io.mlplatform.mcp.McpClient;
import io.mlplatform.mcp.McpException;
import io.mlplatform.mcp.Nodes;
import io.mlplatform.mcp.OperationRouter;
import io.mlplatform.workflow.WorkflowVerticle;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;

import java.util.Map;

/** Routes every MCP request to the server that owns its operation (workflows are the hub's own), and relays the response. */
public final class HubVerticle extends VerticleBase {
  /** Operation family (the part before the first dot) → the address of the server that owns it. */
  private static final Map<String, Route> ROUTES = Map.of(
      "model", new Route(Addresses.MODEL_SERVER, "model-server"),
      "dataset", new Route(Addresses.DATA_SERVER, "data-server"),
      "deployment", new Route(Addresses.EXECUTION_SERVER, "execution-server"),
      "execution", new Route(Addresses.EXECUTION_SERVER, "execution-server"),
      "workflow", new Route(WorkflowVerticle.ADDRESS, "workflow-server"),
      "key", new Route(Addresses.ACCESS_SERVER, "access-server"));

  private record Route(String address, String serverType) {
  }

  /** A hop more than the servers' own read deadline, so that a read hedged by the hub is not hedged again here. */
  private static final DeliveryOptions REPLY = OperationRouter.attemptOptions(OperationRouter.READ_ATTEMPT_MILLIS + 250);

  private final String nodeId;
  private final long timeoutMillis;
  private McpClient client;
  private Envelope.Party self;

  public HubVerticle(String nodeId, long timeoutMillis) {
    this.nodeId = nodeId;
    this.timeoutMillis = timeoutMillis;
  }

  @Override
  public Future<?> start() {
    self = new Envelope.Party("hub@" + nodeId, "hub");
    client = new McpClient(vertx, self, timeoutMillis);
    return Nodes.of(vertx).<Envelope>consume(Addresses.HUB, this::route);
  }

  /**
   * Relays the request to its server and the answer back, declaring the servers' read deadline and the time its own
   * hop may take: a read through a hub that was killed or froze goes to another hub after that (only reads are sent
   * twice; see McpClient).
   */
  private void route(Message<Envelope> message) {
    Envelope request = message.body();
    String operation = request.operation();
    int dot = operation.indexOf('.');
    Route route = ROUTES.get(dot < 0 ? operation : operation.substring(0, dot));
    if (route == null) {
      message.reply(request.errorFrom(self, McpException.invalid("unknown operation " + operation)), REPLY);
      return;
    }
    client.exchange(route.address(), request.forwardedTo(new Envelope.Party(route.address(), route.serverType())))
        .onSuccess(reply -> message.reply(reply, REPLY))
        .onFailure(failure -> message.reply(request.errorFrom(self, McpException.wrap(failure)), REPLY));
  }
}
