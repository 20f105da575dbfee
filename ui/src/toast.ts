// The passing message at the bottom of the window (an assertive live region in index.html).

let timer: ReturnType<typeof setTimeout> | undefined;

export function toast(message: string): void {
  const t = document.getElementById("toast");
  if (!t) return;
  t.textContent = message;
  t.hidden = false;
  clearTimeout(timer);
  timer = setTimeout(() => { t.hidden = true; }, 6000);
}

/** What to tell the user about a failure (commands reject with an Error carrying Rust's message). */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** An event listener for an async `handler` whose failure is shown as a toast. */
export function showingErrors(handler: (event: Event) => Promise<void>): (event: Event) => void {
  return (event) => { handler(event).catch((e: unknown) => { toast(errorMessage(e)); }); };
}
