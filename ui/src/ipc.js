// The only module that talks to the Rust side. Screens call these functions; the UI tests
// replace the Tauri bridge underneath (window.__TAURI_INTERNALS__), not this module.
import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";

/** Calls a command; rejects with an Error whose message is the command's own. */
export async function call(command, args = {}) {
  try {
    return await invoke(command, args);
  } catch (e) {
    throw new Error(e && e.message ? e.message : String(e));
  }
}

/** Subscribes to an event; returns the unsubscribe function. */
export function on(event, handler) {
  return listen(event, (e) => handler(e.payload));
}
