// Hash routing: `#/name/arg?query` shows the screen registered under `name` in #app.
import { toast } from "./toast";

export interface Screen {
  /** Fills `root`; `params` is the hash's query, `arg` the part after the name. */
  render(root: HTMLElement, params: URLSearchParams, arg: string | undefined): Promise<void>;
  /** Keys pressed while the screen shows. */
  keydown?(event: KeyboardEvent): void;
  /** Runs before the next screen renders (e.g. releases devices). */
  leave?(): Promise<void>;
  /** Runs after a successful sync (e.g. shows what it brought). */
  synced?(): Promise<void>;
}

export interface RouterOptions {
  screens: Record<string, Screen>;
  /** The screen of an empty or unknown hash. */
  home: string;
  /** Another hash to show instead of `name`, or null to show it. */
  redirect(name: string): string | null;
}

let options: RouterOptions | null = null;
let current: Screen | null = null;

/** Shows the screen of `hash` (again, if it is already shown). */
export function go(hash: string): void {
  if (location.hash === hash) void route();
  else location.hash = hash;
}

/** Tells the current screen that a sync succeeded (unless it is being drawn). */
export function notifySynced(): void {
  if (document.getElementById("app")?.getAttribute("aria-busy") === "true") return;
  current?.synced?.().catch((e: unknown) => { toast(e instanceof Error ? e.message : String(e)); });
}

/** Starts routing with `opts` and shows the current hash's screen. */
export async function startRouter(opts: RouterOptions): Promise<void> {
  options = opts;
  window.addEventListener("hashchange", () => { void route(); });
  document.addEventListener("keydown", (e) => { current?.keydown?.(e); });
  await route();
}

async function route(): Promise<void> {
  if (!options) return;
  const root = document.getElementById("app");
  if (!root) return;
  const [path = "", query = ""] = location.hash.slice(2).split("?");
  const [requested = "", arg] = path.split("/");
  const name = requested in options.screens ? requested : options.home;
  const redirect = options.redirect(name);
  if (redirect) { go(redirect); return; }
  const screen = options.screens[name];
  if (!screen) return;
  for (const a of document.querySelectorAll("nav a")) {
    a.setAttribute("aria-current", a.getAttribute("href") === `#/${name}` ? "page" : "false");
  }
  root.setAttribute("aria-busy", "true");
  const previous = current;
  current = screen;
  try {
    await previous?.leave?.();
    await screen.render(root, new URLSearchParams(query), arg);
    root.focus({ preventScroll: true });
  } catch (e) {
    toast(e instanceof Error ? e.message : String(e));
  } finally {
    root.setAttribute("aria-busy", "false");
  }
}
