// What the patient sees of a session's transcript under the 90-day retention: the words, when
// they will be deleted automatically (or that they are kept), and the two choices the engine
// offers: keep them, or delete them now. After a purge or a deletion only the fact remains.
import { call } from "./ipc";
import { el } from "./dom";
import { showingErrors } from "./toast";
import type { SessionId } from "./ipc-api";
import type { TranscriptRetention } from "./bindings/TranscriptRetention";

function day(iso: string): string {
  return new Date(iso).toLocaleDateString(undefined, { dateStyle: "long" });
}

/** One sentence on where the transcript stands. */
export function retentionLine(r: TranscriptRetention): string {
  if (r.removed === "deleted") return `Transcript deleted${r.removed_at ? ` on ${day(r.removed_at)}` : ""}.`;
  if (r.removed === "purged") {
    return `Transcript deleted automatically${r.removed_at ? ` on ${day(r.removed_at)}` : ""}: transcripts are kept 90 days unless you keep them.`;
  }
  if (r.saved && !r.purge_at) return "Kept until you delete it.";
  if (r.purge_at) return r.saved ? `Kept until ${day(r.purge_at)}.` : `Deleted automatically on ${day(r.purge_at)} unless you keep it.`;
  return "Kept.";
}

/** The transcript section of the session screen; it redraws itself after a choice. */
export function transcriptPanel(sessionId: SessionId, text: string | null, retention: TranscriptRetention | null): HTMLElement {
  const section = el("section", { id: "session-transcript-panel" });
  const draw = (words: string | null, r: TranscriptRetention | null): void => {
    section.replaceChildren();
    if (r?.removed) {
      section.append(el("p", { id: "transcript-retention", class: "muted" }, retentionLine(r)));
      return;
    }
    if (!words) {
      section.append(el("p", { class: "muted" }, "No transcript for this session."));
      return;
    }
    section.append(el("blockquote", { id: "session-transcript" }, words));
    if (!r) return;
    section.append(el("p", { id: "transcript-retention", class: "muted" }, retentionLine(r)));
    const actions = el("div", { class: "controls" });
    if (!r.saved) {
      const keep = el("button", { id: "transcript-keep", type: "button" }, "Keep it");
      keep.addEventListener("click", showingErrors(async () => {
        draw(words, await call("keep_transcript", { sessionId, retentionDays: null }));
      }));
      actions.append(keep);
    }
    const del = el("button", { id: "transcript-delete", type: "button", class: "danger" }, "Delete transcript");
    del.addEventListener("click", () => {
      // A second, explicit step: a deletion cannot be undone, here or on the server.
      const sure = el("button", { id: "transcript-delete-confirm", type: "button", class: "danger" }, "Yes, delete it for good");
      sure.addEventListener("click", showingErrors(async () => {
        draw(null, await call("delete_transcript", { sessionId }));
      }));
      del.replaceWith(sure);
      sure.focus();
    });
    actions.append(del);
    section.append(actions);
  };
  draw(text, retention);
  return section;
}
