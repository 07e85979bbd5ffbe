package io.mlplatform.mcp;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;

/**
 * Carries envelopes on the event bus: as their JSON text between nodes, and as the same object within a node (an
 * envelope is not changed once sent, so the deep copy the JSON codec makes would be wasted work on every hop).
 */
public final class EnvelopeCodec implements MessageCodec<Envelope, Envelope> {
  public static void register(EventBus eventBus) {
    eventBus.registerDefaultCodec(Envelope.class, new EnvelopeCodec());
  }

  @Override
  public void encodeToWire(Buffer buffer, Envelope envelope) {
    Buffer json = envelope.toJson().toBuffer();
    buffer.appendInt(json.length()).appendBuffer(json);
  }

  @Override
  public Envelope decodeFromWire(int position, Buffer buffer) {
    int length = buffer.getInt(position);
    return Envelope.fromJson(new JsonObject(buffer.getBuffer(position + 4, position + 4 + length)));
  }

  @Override
  public Envelope transform(Envelope envelope) {
    return envelope;
  }

  @Override
  public String name() {
    return "mcp-envelope";
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
