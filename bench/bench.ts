/*
 * SPEC §10 benchmark. Not built yet: the figures need the fan-out and delivery workers
 * (issue 4). Until then this says so rather than print numbers that measure nothing.
 */
process.stdout.write('npm run bench: not implemented yet (needs fan-out and delivery; see README "Benchmark").\n');
