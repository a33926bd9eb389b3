import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { mongoshBrowserAliases } from './src/runtimes/mongosh/browser/aliases';

const serverPort = process.env.RSLAB_SERVER_PORT ?? '8080';

export default defineConfig({
  plugins: [react()],
  resolve: { alias: mongoshBrowserAliases },
  worker: { format: 'es' },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, target: 'es2022', chunkSizeWarningLimit: 1024 },
  server: {
    proxy: {
      '/ws': { target: `ws://127.0.0.1:${serverPort}`, ws: true },
      '/api': { target: `http://127.0.0.1:${serverPort}` },
    },
  },
});
