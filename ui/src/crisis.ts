// The crisis resources panel, shown above everything else when the engine found a crisis flag
// in what was said (physalign_report::crisis): every word, the order of the steps and what the
// care team knows come from the engine; this module only lays them out.
import { el, type Child } from "./dom";
import type { CrisisResources } from "./bindings/CrisisResources";

/** The panel; `id` names it on the screen, `extra` goes below the steps (e.g. a close button). */
export function crisisPanel(resources: CrisisResources, id: string, extra: Child = null): HTMLElement {
  return el("section", { id, class: "crisis", role: "alert", "aria-labelledby": `${id}-headline` },
    el("h2", { id: `${id}-headline`, class: "crisis-headline" }, resources.headline),
    el("p", {}, resources.intro),
    el("ol", { class: "crisis-steps" },
      resources.steps.map((s) => el("li", { class: `crisis-step crisis-${s.kind}`, "data-kind": s.kind }, s.text))),
    extra);
}
