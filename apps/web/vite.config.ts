import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { mongoshBrowserAliases } from '../../packages/runtime/src/mongosh/browser/aliases';

const serverPort = process.env.RSLAB_SERVER_PORT ?? '8080';

export default defineConfig({
  plugins: [react()],
  // The page shares memory with its Python worker (SharedArrayBuffer), which needs cross-origin isolation.
  worker: { format: 'es' },
  // mongosh's packages, built into its worker, import Node built-ins: browser stand-ins for them.
  resolve: { alias: mongoshBrowserAliases },
  optimizeDeps: { exclude: ['pyodide'] },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, target: 'es2022', chunkSizeWarningLimit: 1024 },
  server: {
    headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
    proxy: {
      '/runtime': { target: `http://127.0.0.1:${serverPort}` },
      '/ws': { target: `ws://127.0.0.1:${serverPort}`, ws: true },
      '/api': { target: `http://127.0.0.1:${serverPort}` },
    },
  },
});
