// The Python worker's entry for Vite: CPython (Pyodide) with the lab's pymongo, in a Web Worker.
import '@rslab/runtime/python/worker-browser';
