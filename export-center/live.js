// Live updates of the export list behind one `subscribe(onChange)`: Supabase Realtime broadcasts
// on the caller's private channels, and polling while those channels are not joined (no Realtime
// server, a refused join, a dropped socket).

/**
 * The private channels an export's changes are broadcast on: one for the user's own exports and
 * one for each shared scope they belong to.
 * @param {string} userId
 * @param {string[]} scopeIds
 * @returns {string[]}
 */
export function exportTopics(userId, scopeIds) {
  return [`exports:user:${userId}`, ...scopeIds.map((scopeId) => `exports:scope:${scopeId}`)];
}

/**
 * @typedef {object} LiveChange
 * @property {"broadcast" | "joined" | "poll"} kind  what prompted it: an event, a (re)join after
 *   which events may have been missed, or a poll
 * @property {string} [topic]
 * @property {string} [event]
 * @property {unknown} [payload]
 */

/**
 * Live updates for a signed-in client.
 * @param {object} options
 * @param {any} options.supabase  a supabase-js client with a session
 * @param {string[]} options.topics  the private channels to join
 * @param {() => boolean} options.isActive  whether anything shown is queued or running: polls
 *   are made only then, as nothing else changes on its own
 * @param {(mode: "connecting" | "realtime" | "polling") => void} [options.onMode]
 * @param {number} [options.pollMs]  the polling interval
 * @param {number} [options.joinTimeoutMs]  how long to wait for every channel before polling
 */
export function liveExports(
  { supabase, topics, isActive, onMode = () => {}, pollMs = 2000, joinTimeoutMs = 4000 },
) {
  return {
    /**
     * Calls `onChange` for every change until the returned function is called.
     * @param {(change: LiveChange) => void} onChange
     * @returns {() => void} unsubscribes
     */
    subscribe(onChange) {
      const joined = new Set();
      let stopped = false;
      /** @type {number | undefined} */
      let pollTimer;
      const poll = () => {
        if (stopped) return;
        if (isActive()) onChange({ kind: "poll" });
        pollTimer = setTimeout(poll, pollMs);
      };
      const startPolling = () => {
        if (stopped || pollTimer !== undefined) return;
        onMode("polling");
        pollTimer = setTimeout(poll, pollMs);
      };
      const stopPolling = () => {
        clearTimeout(pollTimer);
        pollTimer = undefined;
      };

      onMode("connecting");
      const channels = topics.map((topic) =>
        supabase.channel(topic, { config: { private: true } })
          .on("broadcast", { event: "*" }, (message) => {
            onChange({ kind: "broadcast", topic, event: message.event, payload: message.payload });
          })
          .subscribe((status) => {
            if (stopped) return;
            if (status === "SUBSCRIBED") {
              joined.add(topic);
              if (joined.size === topics.length) {
                stopPolling();
                onMode("realtime");
                // Whatever changed while the channels were down was not broadcast to us.
                onChange({ kind: "joined" });
              }
            } else {
              joined.delete(topic);
              startPolling();
            }
          })
      );
      const joinTimer = setTimeout(() => {
        if (joined.size < topics.length) startPolling();
      }, joinTimeoutMs);

      return () => {
        stopped = true;
        clearTimeout(joinTimer);
        stopPolling();
        for (const channel of channels) supabase.removeChannel(channel);
      };
    },
  };
}
