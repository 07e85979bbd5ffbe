// Live updates: the platform's MCP event envelopes through the gateway's SockJS event-bus bridge.
import EventBus from '@vertx/eventbus-bridge-client.js';
import { useEffect, useRef, useState } from 'preact/hooks';

export const ADDRESSES = ['mcp.events.models', 'mcp.events.deployments', 'mcp.events.executions', 'mcp.events.workflows'];

const listeners = new Set();
const stateListeners = new Set();
let state = 'connecting';
let bus = null;

function setState(next) {
  state = next;
  stateListeners.forEach((listener) => listener(next));
}

/**
 * Opens the bridge as the holder of {@code key} (null: anonymously), closing the one open before. A browser cannot
 * give SockJS headers: the key goes in the api_key parameter, which sockjs-client keeps on /info and on every
 * transport's URL (utils/url.js addPath).
 */
export function connect(key) {
  close();
  const next = new EventBus(key ? '/eventbus?api_key=' + encodeURIComponent(key) : '/eventbus');
  bus = next;
  next.enableReconnect(true);
  next.onopen = () => {
    ADDRESSES.forEach((address) => next.registerHandler(address, (error, message) => {
      if (!error && message && message.body) {
        listeners.forEach((listener) => listener(message.body, address));
      }
    }));
    setState('live');
  };
  next.onclose = () => setState('reconnecting');
  next.onerror = () => {};
  setState('connecting');
}

/** Closes the bridge: the caller may not read events (the bridge would refuse it). */
export function disconnect() {
  close();
  setState('off');
}

function close() {
  if (!bus) {
    return;
  }
  const old = bus;
  bus = null;
  old.onopen = null;
  old.onclose = null;
  old.enableReconnect(false);
  if (old.sockJSConn) {
    old.close(); // between two attempts to reconnect there is no connection to close
  }
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
