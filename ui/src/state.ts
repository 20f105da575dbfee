// What every screen may read and update: the settings, the devices, the last choices.
import type { Devices } from "./bindings/Devices";
import type { Settings } from "./bindings/Settings";

export interface AppState {
  /** Null until app_info answered (main waits for it before the first screen). */
  settings: Settings | null;
  devices: Devices | null;
  selectedExercise: string | null;
  lastVideo: string;
}

export const state: AppState = { settings: null, devices: null, selectedExercise: null, lastVideo: "" };

/** The settings, which every screen after start-up may rely on. */
export function settings(): Settings {
  if (!state.settings) throw new Error("The settings are not loaded yet.");
  return state.settings;
}
