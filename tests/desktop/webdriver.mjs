// A small W3C WebDriver client (what tauri-driver speaks): enough to find, click, type, run a
// script and take screenshots, with no browser download of its own.

export class WebDriver {
  constructor(base) {
    this.base = base;
    this.session = null;
  }

  async cmd(method, path, body) {
    const url = `${this.base}${this.session && !path.startsWith("/session") ? `/session/${this.session}` : ""}${path}`;
    const res = await fetch(url, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json().catch(() => ({}));
    if (!res.ok || (json.value && json.value.error)) {
      throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json.value ?? json).slice(0, 400)}`);
    }
    return json.value;
  }

  async start(capabilities, attempts = 60) {
    let last;
    for (let i = 0; i < attempts; i++) {
      try {
        const value = await this.cmd("POST", "/session", { capabilities });
        this.session = value.sessionId;
        return value;
      } catch (e) {
        last = e;
        await sleep(500);
      }
    }
    throw last;
  }

  async quit() {
    if (this.session) await this.cmd("DELETE", "").catch(() => {});
    this.session = null;
  }

  async find(css) {
    const v = await this.cmd("POST", "/element", { using: "css selector", value: css });
    return Object.values(v)[0];
  }

  async waitFor(css, timeoutMs = 20000) {
    return this.until(async () => {
      try {
        return await this.find(css);
      } catch {
        return null;
      }
    }, timeoutMs, `element ${css}`);
  }

  async until(probe, timeoutMs, what) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await probe();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await sleep(150);
    }
  }

  async click(css) {
    await this.waitFor(css);
    // A WebDriver element click that changes the location hash makes WebKitWebDriver wait about
    // a minute for a page load that never comes (whatever the page-load strategy), so the click
    // is dispatched in the page instead: the same DOM click event the app handles.
    await this.exec("document.querySelector(arguments[0]).click()", [css]);
  }

  async type(css, text) {
    const id = await this.waitFor(css);
    await this.cmd("POST", `/element/${id}/clear`, {});
    await this.cmd("POST", `/element/${id}/value`, { text });
  }

  async text(css) {
    // Screens re-render: read the text in the page rather than through a possibly stale handle.
    await this.waitFor(css);
    return this.exec("const e = document.querySelector(arguments[0]); return e ? e.innerText : null;", [css]);
  }

  async exec(script, args = []) {
    return this.cmd("POST", "/execute/sync", { script, args });
  }

  async execAsync(script, args = []) {
    return this.cmd("POST", "/execute/async", { script, args });
  }

  async screenshot() {
    return Buffer.from(await this.cmd("GET", "/screenshot"), "base64");
  }
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
