// Live updates: the platform's MCP event envelopes through the gateway's SockJS event-bus bridge.
import EventBus from '@vertx/eventbus-bridge-client.js';
import { useEffect, useRef, useState } from 'preact/hooks';

export const ADDRESSES = ['mcp.events.models', 'mcp.events.deployments', 'mcp.events.executions', 'mcp.events.workflows'];

const listeners = new Set();
const stateListeners = new Set();
let state = 'connecting';

function setState(next) {
  state = next;
  stateListeners.forEach((listener) => listener(next));
}

export function connect() {
  const bus = new EventBus('/eventbus');
  bus.enableReconnect(true);
  bus.onopen = () => {
    ADDRESSES.forEach((address) => bus.registerHandler(address, (error, message) => {
      if (!error && message && message.body) {
        listeners.forEach((listener) => listener(message.body, address));
      }
    }));
    setState('live');
  };
  bus.onclose = () => setState('reconnecting');
  bus.onerror = () => {};
}

/** Calls {@code handler(envelope)} for each event whose operation starts with {@code prefix} (none when null). */
export function useEvents(prefix, handler) {
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => {
    if (prefix == null) {
      return undefined;
    }
    const listener = (envelope) => {
      if ((envelope.operation || '').startsWith(prefix)) {
        latest.current(envelope);
      }
    };
    listeners.add(listener);
    return () => listeners.delete(listener);
  }, [prefix]);
}

export function useConnectionState() {
  const [current, setCurrent] = useState(state);
  useEffect(() => {
    stateListeners.add(setCurrent);
    return () => stateListeners.delete(setCurrent);
  }, []);
  return current;
}
