// The mongosh worker's entry for Vite: mongosh's own shell API and evaluator, in a Web Worker.
import '@rslab/runtime/mongosh/worker-browser';
