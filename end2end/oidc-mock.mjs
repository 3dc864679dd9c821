// A local stand-in for Google's OAuth 2 / OpenID Connect endpoints, for the end-to-end
// tests: oauth2-mock-server speaks the real protocol (authorization code, PKCE checked
// at the token endpoint, bearer-token userinfo). Its /authorize answers at once (there
// is no account chooser), so the identity it vouches for is set by the tests through
// a small control endpoint on the next port: POST /identity {sub, email, ...}.
import http from 'node:http';
import { OAuth2Server } from 'oauth2-mock-server';

const port = Number(process.env.OIDC_MOCK_PORT ?? 3190);
const server = new OAuth2Server();
await server.issuer.keys.generate('RS256');

let identity = { sub: 'nobody', email: 'nobody@example.com', email_verified: true, name: 'Nobody' };
server.service.on('beforeUserinfo', (response) => {
  response.statusCode = 200;
  response.body = identity;
});
await server.start(port, '127.0.0.1');

http
  .createServer((request, response) => {
    if (request.method === 'POST' && request.url === '/identity') {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        identity = JSON.parse(body);
        response.end('ok');
      });
    } else if (request.url === '/health') {
      response.end('ok');
    } else {
      response.statusCode = 404;
      response.end();
    }
  })
  .listen(port + 1, '127.0.0.1');
