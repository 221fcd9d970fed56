import { defineConfig } from "vite";

/** The browser benchmark page (web/) → dist-web/. `pnpm preview` serves it. */
export default defineConfig({
  root: "web",
  base: "./",
  resolve: {
    // browser conditions: @relax/core's `#register-gradients` resolves to tfjs-core's own registry, not the Node pre-bundle
    conditions: ["browser", "module", "default"],
  },
  build: {
    outDir: "../dist-web",
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 3000,
    rollupOptions: {
      // @relax/render's Node-only helpers (savePNG, loadOBJ) import these lazily; the page never calls them.
      external: ["pngjs", /^node:/],
    },
  },
  preview: { port: 4174 },
});
