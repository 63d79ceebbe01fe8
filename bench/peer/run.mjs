// The peer side of the stepd benchmark: runs one ASL workload with the npm
// package aws-local-stepfunctions, in this Node process.
//
//   node run.mjs DEFINITION INPUT [--runs N] [--budget-ms MS] [--out FILE]
//   node run.mjs DEFINITION INPUT --whole [--out FILE]
//
// Default mode: builds the StateMachine once (its definition validation is
// timed apart, as "construct_ms"), then runs the execution up to N times,
// stopping early once the runs have taken MS milliseconds (at least one run
// is always made). Only `await sm.run(input).result` is inside the timed
// region, so Node start-up, module loading and validation are all left out:
// the figure is the most favourable one to the peer. Prints one JSON line:
//   {"runs":N,"first_ms":..,"best_ms":..,"median_ms":..,"construct_ms":..,"load_ms":..}
// or {"error":"..."} when the execution fails (exit status 1).
//
// --whole: one construct + one run, the output on stdout (as `stepd run`
// prints it) and nothing else, for timing the whole process from outside
// (bench/run.py does that for the 1-state workload).
//
// --out FILE writes the output of the last run as JSON, for the harness to
// compare with the expected output the same way it does for stepd.
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const t_start = performance.now();
const { StateMachine } = await import('aws-local-stepfunctions');
const load_ms = performance.now() - t_start;

function parseArgs(argv) {
  const o = { runs: 5, budgetMs: 20000, out: null, whole: false, files: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--runs') o.runs = Math.max(1, parseInt(argv[++i], 10));
    else if (a === '--budget-ms') o.budgetMs = Number(argv[++i]);
    else if (a === '--out') o.out = argv[++i];
    else if (a === '--whole') o.whole = true;
    else o.files.push(a);
  }
  if (o.files.length !== 2) {
    process.stderr.write('usage: node run.mjs DEFINITION INPUT [--runs N] [--budget-ms MS] [--out FILE] [--whole]\n');
    process.exit(2);
  }
  return o;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const opts = parseArgs(process.argv.slice(2));
const definition = JSON.parse(readFileSync(opts.files[0], 'utf8'));
const input = JSON.parse(readFileSync(opts.files[1], 'utf8'));

let output;
try {
  const t0 = performance.now();
  // Default validation, as a user of the package gets it.
  const sm = new StateMachine(definition, {});
  const construct_ms = performance.now() - t0;
  if (opts.whole) {
    output = await sm.run(input).result;
  } else {
    const times = [];
    const began = performance.now();
    while (times.length < opts.runs) {
      const r0 = performance.now();
      output = await sm.run(input).result;
      times.push(performance.now() - r0);
      if (performance.now() - began > opts.budgetMs) break;
    }
    const report = {
      runs: times.length,
      first_ms: times[0], // before V8 has warmed up: what a one-shot run sees
      best_ms: Math.min(...times),
      median_ms: median(times),
      construct_ms,
      load_ms,
    };
    process.stdout.write(JSON.stringify(report) + '\n');
  }
} catch (e) {
  process.stdout.write(JSON.stringify({ error: String(e && e.message ? e.message : e) }) + '\n');
  process.exit(1);
}
const text = JSON.stringify(output === undefined ? null : output);
if (opts.out) writeFileSync(opts.out, text);
else if (opts.whole) process.stdout.write(text + '\n');
