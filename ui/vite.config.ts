import { defineConfig } from "vite";

// Tauri serves the built files from ui/dist; no dev server is needed for a build.
export default defineConfig({
  clearScreen: false,
  build: { outDir: "dist", target: "es2022", emptyOutDir: true },
  test: { environment: "node" },
} as never);
