// sim-mongod from its TypeScript sources, as bin/sim-mongod ran it before the build: for
// bench/sim-mongod-start.ts, run with `node --import tsx`.
import { main } from '../../packages/sim/src/cli/main';

process.exit(await main(process.argv.slice(2)));
