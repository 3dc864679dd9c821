// Writes a .br and a .gz beside every script, stylesheet and wasm file of the built
// site, at the strongest levels (done once per build, so the server never compresses
// these on the fly: it sends the file that matches the browser's Accept-Encoding).
//
//   node scripts/precompress.mjs target/site/pkg
import { readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

const dir = process.argv[2] ?? 'target/site/pkg';
let files = 0;
let raw = 0;
let br = 0;
for (const name of readdirSync(dir)) {
  if (!/\.(js|css|wasm|svg)$/.test(name)) continue;
  const path = join(dir, name);
  if (!statSync(path).isFile()) continue;
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
console.error(`precompressed ${files} files: ${(raw / 1024).toFixed(0)} KiB → ${(br / 1024).toFixed(0)} KiB brotli`);
