// nodeleak: a Node service that leaks into a session cache at a steady
// rate, for the tests of Node's heap snapshot on a signal.
//
//   node [--heapsnapshot-signal=SIGUSR2] nodeleak.js [MIB_PER_S [MAX_MIB]]
//                                                       (defaults: 4, 64)
//
// The leak grows by MIB_PER_S MiB/s in leakSessionCache, ten steps a second,
// up to MAX_MIB MiB, and is then held until the process is killed. The
// leaked objects are Session entries, each holding a 64 KiB string, all in a
// global array: a heap snapshot shows them in V8's heap (strings live
// there; Buffers would not), retained by sessionCache.
//
// It installs no signal handler of its own: what SIGUSR1 and SIGUSR2 do to
// it is Node's doing (the inspector; the snapshot with the option).
//
// Lines on stdout:
//   nodeleak: started pid=N           at start (N: the pid in its own namespace)
//   nodeleak: held_mib=M              each time another 16 MiB is held
//   nodeleak: held_mib=M done         once MAX_MIB is held
'use strict';

const MIB = 1 << 20;
const CHUNK = 64 * 1024;

class Session {
	constructor(id, payload) {
		this.id = id;
		this.user = 'user-' + id;
		this.payload = payload;
	}
}

// Never cleared.
const sessionCache = [];

function number(arg, dflt) {
	if (arg === undefined)
		return dflt;
	const v = Number(arg);
	if (!Number.isInteger(v) || v <= 0) {
		process.stderr.write(`nodeleak: not a positive integer: ${arg}\n`);
		process.exit(2);
	}
	return v;
}

// A string of CHUNK bytes of its own (one-byte, flat, in the V8 heap).
function payload(id) {
	return Buffer.alloc(CHUNK, 97 + (id % 26)).toString('latin1');
}

// The leak: count more sessions into the global cache. A named function
// called from the timer, so that it is the allocation site a sampling heap
// profile shows, and stays alive (and named) in a heap snapshot.
function leakSessionCache(count) {
	for (let i = 0; i < count; i++) {
		const id = sessionCache.length;
		sessionCache.push(new Session(id, payload(id)));
	}
}

function run(rateMiB, maxMiB) {
	const perStep = Math.max(1, Math.round((rateMiB * MIB) / 10 / CHUNK));
	const maxChunks = (maxMiB * MIB) / CHUNK;
	let reported = 0;
	const timer = setInterval(() => {
		leakSessionCache(Math.min(perStep, maxChunks - sessionCache.length));
		const held = (sessionCache.length * CHUNK) / MIB;
		const done = sessionCache.length >= maxChunks;
		if (held >= reported + 16 || done) {
			reported = held - (held % 16);
			const mib = Math.floor(held);
			process.stdout.write(`nodeleak: held_mib=${mib}${done ? ' done' : ''}\n`);
		}
		if (done)
			clearInterval(timer);
	}, 100);
}

const rate = number(process.argv[2], 4);
const max = number(process.argv[3], 64);
process.stdout.write(`nodeleak: started pid=${process.pid}\n`);
run(rate, max);
// Held until killed.
setInterval(() => {}, 1 << 30);
