// Finishes the built site after `cargo leptos build`:
//
// 1. copies the API reference's Swagger UI (the npm package swagger-ui-dist, pinned in
//    package.json, so it comes from the npm registry at build time and never from a
//    CDN) into <site>/pkg/swagger-ui/, where the app serves it (/api/docs);
// 2. writes a .br and a .gz beside every script, stylesheet, wasm and svg file under
//    <site>/pkg, at the strongest levels (done once per build, so the server never
//    compresses these on the fly: it sends the file that matches the browser's
//    Accept-Encoding).
//
// 3. copies the hash file cargo-leptos writes beside the server binary (the
//    content-hashed names of the files under <site>/pkg) into <site>/hash.txt, so a
//    site copied without the binary's directory still knows them (src/startup.rs).
//
//   node scripts/site-assets.mjs target/site
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

const site = process.argv[2] ?? 'target/site';
const pkg = join(site, 'pkg');

const require = createRequire(import.meta.url);
const swagger = dirname(require.resolve('swagger-ui-dist/package.json'));
const version = JSON.parse(readFileSync(join(swagger, 'package.json'), 'utf8')).version;
const into = join(pkg, 'swagger-ui');
mkdirSync(into, { recursive: true });
for (const name of ['swagger-ui-bundle.js', 'swagger-ui.css', 'LICENSE', 'NOTICE']) {
  copyFileSync(join(swagger, name), join(into, name));
}
console.error(`copied swagger-ui-dist ${version} into ${into}`);

let files = 0;
let raw = 0;
let br = 0;
const compress = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      compress(path);
      continue;
    }
    if (!/\.(js|css|wasm|svg)$/.test(name)) continue;
    const data = readFileSync(path);
    const brotli = brotliCompressSync(data, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    });
    writeFileSync(`${path}.br`, brotli);
    writeFileSync(`${path}.gz`, gzipSync(data, { level: 9 }));
    files += 1;
    raw += data.length;
    br += brotli.length;
  }
};
compress(pkg);
console.error(`precompressed ${files} files: ${(raw / 1024).toFixed(0)} KiB → ${(br / 1024).toFixed(0)} KiB brotli`);

const hashFile = join(process.env.CARGO_TARGET_DIR ?? 'target', 'release', 'hash.txt');
if (existsSync(hashFile)) {
  copyFileSync(hashFile, join(site, 'hash.txt'));
  console.error(`copied ${hashFile} into ${site}`);
}
