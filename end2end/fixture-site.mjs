// A company's website for the end-to-end tests: the checked-in fixture pages of
// enrich/tests/fixtures/sites/<site> (the same ones the Rust tests read), served on
// 127.0.0.1 so enrichment can fetch them (the app runs with FETCH_ALLOW_LOOPBACK).
// `/` is index.html, `/about` is about.html; anything else is a 404.
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const port = Number(process.env.FIXTURE_SITE_PORT ?? 3195);
const site = process.env.FIXTURE_SITE ?? 'acme-robotics';
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'enrich', 'tests', 'fixtures', 'sites', site);

http
  .createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname === '/health') {
      response.writeHead(200).end('ok');
      return;
    }
    const name = url.pathname === '/' ? 'index' : url.pathname.slice(1).replace(/\/$/, '');
    if (!/^[a-z0-9-]+$/.test(name)) {
      response.writeHead(404).end();
      return;
    }
    try {
      const html = await readFile(path.join(root, `${name}.html`));
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    } catch {
      response.writeHead(404).end();
    }
  })
  .listen(port, '127.0.0.1');
