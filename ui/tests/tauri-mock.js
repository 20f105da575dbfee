// Stands in for the Tauri bridge in a plain browser: commands are answered from
// window.__mock.responses (a value, a function of the arguments, or {error: "..."}), every call
// is recorded in window.__mock.calls, and window.__mock.emit(event, payload) delivers events.
(() => {
  const listeners = {};
  const callbacks = {};
  let next = 1;
  const mock = { calls: [], responses: {} };
  mock.emit = (event, payload) => {
    for (const id of listeners[event] || []) callbacks[id]?.({ event, id, payload });
  };
  window.__mock = mock;
  window.__TAURI_INTERNALS__ = {
    metadata: { currentWindow: { label: "main" }, currentWebview: { windowLabel: "main", label: "main" } },
    transformCallback(cb) {
      const id = next++;
      callbacks[id] = cb;
      return id;
    },
    unregisterCallback(id) {
      delete callbacks[id];
    },
    async invoke(cmd, args) {
      if (cmd === "plugin:event|listen") {
        (listeners[args.event] ||= []).push(args.handler);
        return args.handler;
      }
      if (cmd === "plugin:event|unlisten") return null;
      mock.calls.push({ cmd, args: JSON.parse(JSON.stringify(args ?? {})) });
      let r = mock.responses[cmd];
      if (typeof r === "function") r = await r(args);
      if (r && typeof r === "object" && "error" in r && Object.keys(r).length === 1) throw { message: r.error };
      if (r === undefined) throw { message: `no mock for ${cmd}` };
      return r;
    },
  };
  window.__TAURI_EVENT_PLUGIN_INTERNALS__ = {
    unregisterListener(event, id) {
      listeners[event] = (listeners[event] || []).filter((x) => x !== id);
    },
  };
})();
