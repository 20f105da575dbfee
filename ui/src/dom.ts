// Builds DOM elements: the screens' one helper instead of a component framework.

export type Child = Node | string | number | null | undefined | false | readonly Child[];
type AttrValue = string | number | boolean | null | undefined;
/** Attributes; `on<event>` keys take listeners, `text` sets the text. */
export type Attrs = Record<string, AttrValue | ((event: Event) => unknown)>;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (typeof v === "function") node.addEventListener(k.slice(2), v);
    else if (k === "class") node.className = String(v);
    else if (k === "text") node.textContent = String(v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  node.append(...nodes(children));
  return node;
}

/** Replaces `root`'s content; absent children (null, false) are skipped, never printed. */
export function mount(root: Element, ...children: Child[]): void {
  root.replaceChildren(...nodes(children));
}

// Array.isArray does not narrow readonly arrays.
function isList(c: Child): c is readonly Child[] {
  return Array.isArray(c);
}

function nodes(children: readonly Child[]): (Node | string)[] {
  const out: (Node | string)[] = [];
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (isList(c)) out.push(...nodes(c));
    else out.push(c instanceof Node ? c : String(c));
  }
  return out;
}
