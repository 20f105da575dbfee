// The only module that talks to the Rust side. Screens call these functions; the UI tests
// replace the Tauri bridge underneath (window.__TAURI_INTERNALS__), not this module.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { Command, Commands, Events } from "./ipc-api";

type ArgsOf<C extends Command> = Commands[C]["args"];
// Commands without parameters are called without an argument object.
type ArgList<C extends Command> = ArgsOf<C> extends undefined ? [] : [args: ArgsOf<C>];

/** Calls a command; rejects with an Error whose message is the command's own. */
export async function call<C extends Command>(command: C, ...args: ArgList<C>): Promise<Commands[C]["result"]> {
  try {
    return await invoke<Commands[C]["result"]>(command, args[0] ?? {});
  } catch (e) {
    throw new Error(messageOf(e), { cause: e });
  }
}

/** Subscribes to an event; resolves to the unsubscribe function. */
export function on<E extends keyof Events>(event: E, handler: (payload: Events[E]) => void): Promise<UnlistenFn> {
  return listen<Events[E]>(event, (e) => { handler(e.payload); });
}

// Commands reject with the Rust CommandError, `{ message }`.
function messageOf(e: unknown): string {
  if (typeof e === "object" && e !== null && "message" in e && typeof e.message === "string") return e.message;
  return String(e);
}
