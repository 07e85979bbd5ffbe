import { defineConfig } from 'vite';

// Built by Maven (generate-resources) into the classpath, where the gateway serves it at /.
export default defineConfig({
  build: {
    outDir: '../target/classes/webroot',
    emptyOutDir: true,
    chunkSizeWarningLimit: 400,
  },
  // sockjs-client (under the event-bus client) refers to Node's `global`
  define: { global: 'globalThis' },
  server: {
    // `npm run dev` against a platform started with the README's command
    proxy: {
      '/api': 'http://localhost:8080',
      '/eventbus': { target: 'http://localhost:8080', ws: true },
    },
  },
});
