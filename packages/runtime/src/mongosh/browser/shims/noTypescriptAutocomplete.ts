/**
 * mongosh 2.x can load a TypeScript-based completer (@mongodb-js/mongodb-ts-autocomplete, about
 * 1.8 MB of JavaScript); the lab uses mongosh's classic completer instead, so this never loads.
 */
export class MongoDBAutocompleter {
  constructor() {
    throw new Error('the TypeScript-based autocompleter is not part of this build');
  }
}
