// What a browser downloads to run each page, and the budget the initial bundle must
// stay within (MISSION.md: ≤ 350 KB brotli for the initial load, route modules on top).
//
//   node scripts/bundle-size.mjs <site> [--markdown] [--budget-kb 350]
//
// The initial bundle is what every page needs before it hydrates: the wasm-bindgen
// script, the main wasm module and the splitter's loader script. Each area of pages
// (app/src/routes.rs) adds its own module and the shared modules the splitter made for
// it (the `__wasm_split_manifest` lists them). Sizes are brotli at quality 11: the .br
// files scripts/site-assets.mjs writes, which the server sends as they are.
//
// Exits non-zero when the initial bundle is over budget, so `make test` fails the day
// it creeps back.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants } from 'node:zlib';

const args = process.argv.slice(2);
const site = args.find((a) => !a.startsWith('--')) ?? 'target/site';
const markdown = args.includes('--markdown');
const budgetAt = args.indexOf('--budget-kb');
const budgetKb = budgetAt >= 0 ? Number(args[budgetAt + 1]) : 350;
const pkg = join(site, 'pkg');
const files = readdirSync(pkg);

const fail = (message) => {
  console.error(`bundle-size: ${message}`);
  process.exit(2);
};

/// The one file whose name matches (hashed or not).
const one = (pattern, what) => {
  const found = files.filter((f) => pattern.test(f));
  if (found.length !== 1) fail(`expected one ${what} in ${pkg}, found ${found.length}: ${found.join(', ')}`);
  return found[0];
};

const brotli = (name) => {
  const path = join(pkg, name);
  if (existsSync(`${path}.br`)) return readFileSync(`${path}.br`).length;
  return brotliCompressSync(readFileSync(path), {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11 },
  }).length;
};
const raw = (name) => readFileSync(join(pkg, name)).length;

const mainJs = one(/^casework(\.[\w-]+)?\.js$/, 'main script');
const mainWasm = one(/^casework(\.[\w-]+)?\.wasm$/, 'main wasm module');
const css = one(/^casework(\.[\w-]+)?\.css$/, 'stylesheet');
const splitJs = files.find((f) => /^__wasm_split\.[\w-]+\.js$/.test(f));
const manifestFile = files.find((f) => /^__wasm_split_manifest(\.[\w-]+)?\.json$/.test(f));
if (!splitJs || !manifestFile) {
  fail('no split modules: build with `cargo leptos build --release --split`');
}
const manifest = JSON.parse(readFileSync(join(pkg, manifestFile), 'utf8'));

const initialFiles = [mainJs, mainWasm, splitJs];
const initial = {
  files: initialFiles.length,
  raw: initialFiles.reduce((sum, f) => sum + raw(f), 0),
  brotli: initialFiles.reduce((sum, f) => sum + brotli(f), 0),
};

// Which pages each area holds: app/src/routes.rs, read rather than repeated here.
const routes = readFileSync(new URL('../app/src/routes.rs', import.meta.url), 'utf8');
const pagesOf = {};
for (const [, area, body] of routes.matchAll(/\n\s*(\w+_area), __preload_\w+, \w+ \{([\s\S]*?)\n\s*\}\n\}/g)) {
  pagesOf[area] = [...body.matchAll(/<(?:SignedIn><)?pages::(\w+)/g)].map((m) => m[1]);
}

const areas = Object.entries(manifest)
  .map(([key, chunks]) => {
    const area = key.replace(/_\d+$/, '');
    // The area's own module and the shared ones, by name as they are in the site.
    const modules = chunks.map((c) => `${c}.wasm`);
    const missing = modules.filter((m) => !files.includes(m));
    if (missing.length) fail(`${key} needs modules the site lacks: ${missing.join(', ')}`);
    if (!modules.some((m) => m.startsWith(`split_${key}`))) fail(`no module of its own for ${key}`);
    return {
      area,
      pages: pagesOf[area] ?? [],
      files: modules.length,
      raw: modules.reduce((sum, f) => sum + raw(f), 0),
      brotli: modules.reduce((sum, f) => sum + brotli(f), 0),
    };
  })
  .sort((a, b) => a.area.localeCompare(b.area));

const kb = (bytes) => (bytes / 1000).toFixed(0);
const over = initial.brotli > budgetKb * 1000;
if (markdown) {
  console.log('| what | files | wasm + js | brotli | first load, brotli |');
  console.log('|---|---:|---:|---:|---:|');
  console.log(`| initial (every page) | ${initial.files} | ${kb(initial.raw)} KB | **${kb(initial.brotli)} KB** | ${kb(initial.brotli)} KB |`);
  for (const a of areas) {
    const label = `${a.area.replace(/_area$/, '')}: ${a.pages.join(', ')}`;
    console.log(`| ${label} | ${a.files} | ${kb(a.raw)} KB | ${kb(a.brotli)} KB | ${kb(initial.brotli + a.brotli)} KB |`);
  }
  console.log(`| stylesheet (every page) | 1 | ${kb(raw(css))} KB | ${kb(brotli(css))} KB | |`);
} else {
  console.log(JSON.stringify({ budgetKb, initial, areas, css: { raw: raw(css), brotli: brotli(css) } }, null, 2));
}
if (over) {
  console.error(`bundle-size: the initial bundle is ${kb(initial.brotli)} KB brotli, over the ${budgetKb} KB budget`);
  process.exit(1);
}
console.error(`bundle-size: initial bundle ${kb(initial.brotli)} KB brotli, within ${budgetKb} KB`);
