/**
 * Reads a V8 CPU profile (`node --cpu-prof`) and says where the time went: self time per function and
 * per package, largest first.
 */
import { readFile } from 'node:fs/promises';
import { packageOf } from './startup.mjs';

/** Where a profiled function lives: a package name, our code, or Node's internals. */
function ownerOf(url) {
  if (!url) return '(V8: GC, idle, builtins)';
  if (url.startsWith('node:')) return '(node internals)';
  if (url.includes('node_modules/')) return packageOf(url.replace(/^file:\/\//, ''));
  if (url.includes('/bench/')) return '(bench harness)';
  return '(mparticle-events)';
}

/**
 * Summarises a `.cpuprofile` file: the `top` functions by self time (name, file:line, package, ms and
 * share) and self time by package.
 */
export async function summariseProfile(path, { top = 15 } = {}) {
  const profile = JSON.parse(await readFile(path, 'utf8'));
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMs = new Map();
  let totalMs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const id = profile.samples[i];
    selfMs.set(id, (selfMs.get(id) ?? 0) + ms);
    totalMs += ms;
  }
  // Code made with `new Function` (zod compiles its object parsers so) has no URL: charge it to the
  // nearest caller that has one, so it is counted against the package that generated it.
  const parentOf = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node);
  const SPECIAL = new Set(['(garbage collector)', '(idle)', '(program)', '(root)']);
  const describe = (node) => {
    const { callFrame } = node;
    const name = callFrame.functionName || '(anonymous)';
    if (callFrame.url || SPECIAL.has(name)) {
      const file = callFrame.url.replace(/^file:\/\/.*?\/(node_modules|dist|src|bench)\//, '$1/');
      return { name, location: `${file}:${callFrame.lineNumber + 1}`, owner: ownerOf(callFrame.url) };
    }
    let caller = parentOf.get(node.id);
    while (caller && !caller.callFrame.url) caller = parentOf.get(caller.id);
    if (!caller) return { name, location: '', owner: ownerOf('') };
    const outer = describe(caller);
    return {
      name: `(generated code) called from ${outer.name}`,
      location: outer.location,
      owner: outer.owner,
    };
  };
  const byFunction = new Map();
  const byPackage = new Map();
  for (const [id, ms] of selfMs) {
    const { name, location, owner } = describe(byNode.get(id));
    const key = `${name} ${location}`;
    const entry = byFunction.get(key) ?? { function: name, location, owner, ms: 0 };
    entry.ms += ms;
    byFunction.set(key, entry);
    byPackage.set(owner, (byPackage.get(owner) ?? 0) + ms);
  }
  const share = (ms) => Math.round((ms / totalMs) * 1000) / 1000;
  return {
    totalMs: Math.round(totalMs),
    functions: [...byFunction.values()]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top)
      .map((f) => ({ ...f, ms: Math.round(f.ms), share: share(f.ms) })),
    packages: [...byPackage.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([name, ms]) => ({ name, ms: Math.round(ms), share: share(ms) })),
  };
}
