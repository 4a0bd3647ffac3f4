// Preloaded into the Directus of the RSS row (NODE_OPTIONS=--require): SIGUSR2 runs a full
// garbage collection, so memory is compared after GC and garbage V8 has not yet collected
// (it grows its heap lazily under load) is not mistaken for a leak.
const v8 = require('node:v8');
const vm = require('node:vm');

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
process.on('SIGUSR2', () => {
	gc();
	gc();
});
