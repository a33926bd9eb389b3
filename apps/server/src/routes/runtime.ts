import fastifyStatic from '@fastify/static';
import fp from 'fastify-plugin';
import { PythonSourcesReply, RuntimeInfoReply } from '@rslab/protocol';
import { pyodideDirectory, pyodideVersion, pythonSourcesFromDisk } from '@rslab/runtime/node';
import { errorResponses } from './errors';

/** Where the page finds Pyodide's files; the version is in the path, so they can be cached for good. */
export const pyodidePath = `/runtime/pyodide-${pyodideVersion}/`;

/** The files of Pyodide's distribution a page loads (the interpreter, the standard library, the lock file). */
const pyodideFiles = /^\/(pyodide\.asm\.(mjs|js|wasm)|python_stdlib\.zip|pyodide-lock\.json|pyodide\.mjs)$/;

/**
 * What the learner's page needs to run Python itself: Pyodide's files (interpreter, standard
 * library) and our pymongo package, all from this server; nothing is fetched from elsewhere.
 * Also the cross-origin isolation headers every response carries, which the page needs for
 * SharedArrayBuffer (the synchronous bridge between the page and its runtime workers): COOP
 * same-origin, COEP require-corp, CORP same-origin.
 */
export const runtimeRoutes = fp(
  async (app) => {
    app.addHook('onSend', async (request, reply) => {
      reply.header('cross-origin-opener-policy', 'same-origin');
      reply.header('cross-origin-embedder-policy', 'require-corp');
      reply.header('cross-origin-resource-policy', 'same-origin');
      if (request.url.startsWith(pyodidePath)) reply.header('cache-control', 'public, max-age=31536000, immutable');
    });
    await app.register(fastifyStatic, {
      root: pyodideDirectory,
      prefix: pyodidePath,
      decorateReply: false,
      cacheControl: false,
      allowedPath: (path) => pyodideFiles.test(path),
    });
    let sources: string | null = null;
    app.get('/runtime/python-sources.json', { schema: { response: { 200: PythonSourcesReply, ...errorResponses } } }, async (_request, reply) => {
      sources ??= JSON.stringify(pythonSourcesFromDisk());
      return reply.type('application/json; charset=utf-8').header('cache-control', 'no-cache').send(sources);
    });
    app.get('/runtime/info.json', { schema: { response: { 200: RuntimeInfoReply, ...errorResponses } } }, async (): Promise<RuntimeInfoReply> => ({ pyodideIndexURL: pyodidePath, pyodideVersion }));
  },
  { name: 'rslab-runtime-routes' },
);
