// Follows one stream over SignalR (/hubs/streams, Subscribe(stream, fromOffset)), and keeps following:
// after a dropped connection or a "fell behind" error it subscribes again from the offset after the
// last event it saw, so the view neither loses nor repeats rows.

import { credential } from './credential.js';

const signalR = globalThis.signalR;

const statusListeners = new Set();
let connection = null;
let starting = null;
const followers = new Set();

export function onConnectionStatus(listener) {
  statusListeners.add(listener);
  listener(connection?.state ?? 'Idle');
}

function publishStatus(state) {
  for (const listener of statusListeners) listener(state);
}

async function ensureConnected() {
  if (connection?.state === signalR.HubConnectionState.Connected) return connection;
  if (starting) return starting;
  if (!connection) {
    connection = new signalR.HubConnectionBuilder()
      // The JavaScript client sends the token as access_token on the WebSocket, which the service accepts on the hub path only.
      .withUrl('hubs/streams', { accessTokenFactory: () => credential() })
      .withAutomaticReconnect({ nextRetryDelayInMilliseconds: ctx => Math.min(500 * 2 ** ctx.previousRetryCount, 5000) })
      .configureLogging(signalR.LogLevel.Warning)
      .build();
    connection.onreconnecting(() => publishStatus('Reconnecting'));
    connection.onreconnected(() => {
      publishStatus('Connected');
      for (const follower of followers) follower.resubscribe();
    });
    connection.onclose(() => {
      publishStatus(followers.size ? 'Disconnected' : 'Idle');
      // Automatic reconnect gave up (or never started): keep trying in the background.
      setTimeout(() => { if (followers.size) reconnectLoop(); }, 2000);
    });
  }
  starting = connection.start().then(() => {
    publishStatus('Connected');
    return connection;
  }).finally(() => { starting = null; });
  return starting;
}

async function reconnectLoop() {
  try {
    await ensureConnected();
    for (const follower of followers) follower.resubscribe();
  } catch {
    setTimeout(reconnectLoop, 2000);
  }
}

/**
 * Follows `stream` from `fromOffset` (null = only new events). `onEvent({offset, timestamp, data, op})`
 * gets every event once, in offset order; `onStatus(text)` hears what is going on.
 */
export function follow(stream, fromOffset, { onEvent, onStatus = () => {} }) {
  let nextOffset = fromOffset;
  let subscription = null;
  let stopped = false;
  let generation = 0;

  const follower = {
    resubscribe() { if (!stopped) subscribe(); },
  };

  async function subscribe() {
    const mine = ++generation;
    subscription?.dispose();
    subscription = null;
    try {
      const hub = await ensureConnected();
      if (stopped || mine !== generation) return;
      onStatus(nextOffset == null ? `following ${stream} from the head` : `following ${stream} from offset ${nextOffset}`);
      subscription = hub.stream('Subscribe', stream, nextOffset).subscribe({
        next: event => {
          if (nextOffset != null && event.offset < nextOffset) return; // never show a row twice
          nextOffset = event.offset + 1;
          onEvent(event);
        },
        error: err => {
          if (stopped || mine !== generation) return;
          const message = String(err?.message ?? err);
          const resume = /resume from (?:the first retained )?offset (\d+)/.exec(message);
          if (resume) {
            // Fell behind: pick up where the server says, after a breath.
            nextOffset = Number(resume[1]);
            onStatus(`fell behind; resuming from offset ${nextOffset}`);
            setTimeout(() => follower.resubscribe(), 250);
          } else if (/no stream named|was deleted/.test(message)) {
            onStatus(message.replace(/^.*HubException: /, ''));
          } else {
            onStatus(`connection lost; will resume from offset ${nextOffset ?? 'head'}`);
          }
        },
        complete: () => {},
      });
    } catch {
      if (!stopped && mine === generation) {
        onStatus('offline; retrying…');
        setTimeout(() => follower.resubscribe(), 2000);
      }
    }
  }

  followers.add(follower);
  subscribe();
  return {
    get nextOffset() { return nextOffset; },
    stop() {
      stopped = true;
      followers.delete(follower);
      subscription?.dispose();
    },
  };
}
