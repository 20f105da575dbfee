import { defineConfig } from "vite";

// Relative asset paths: Tauri serves the build from its own protocol, the UI tests from a file
// server. No dev server is used by the app (tauri.conf.json has no devUrl).
export default defineConfig({
  base: "./",
  clearScreen: false,
  build: { outDir: "dist", emptyOutDir: true, target: "es2021" },
});
