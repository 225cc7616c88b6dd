// Test support: a tiny HTTP stand-in for the exchange's /v1/token, /v1/me and a member's key history, verifying assertions with jose
// exactly as the protocol says, so the CLI and SDK are tested over real HTTP until the real server lands.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { importJWK, type JWK, jwtVerify } from 'jose';

export interface FakeExchange {
  baseUrl: string;
  calls: { token: number; me: number };
  /** Register a member's public JWK under its client id. */
  register(clientId: string, publicJwk: JWK): void;
  close(): Promise<void>;
}

function sendJson(
  res: import('node:http').ServerResponse,
  status: number,
  body: unknown,
  problem = false,
): void {
  res.writeHead(status, { 'content-type': problem ? 'application/problem+json' : 'application/json' });
  res.end(JSON.stringify(body));
}

/** Start the fake on a free loopback port. */
export async function startFakeExchange(options: { expiresIn?: number } = {}): Promise<FakeExchange> {
  const keys = new Map<string, { clientId: string; jwk: JWK }>();
  const tokens = new Map<string, string>();
  const calls = { token: 0, me: 0 };
  let baseUrl = '';
  const unauthorized = (res: import('node:http').ServerResponse, code: string) =>
    sendJson(
      res,
      401,
      { type: 'about:blank', title: 'Unauthorized', status: 401, code, requestId: 'req-1' },
      true,
    );

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        if (req.method === 'POST' && req.url === '/v1/token') {
          calls.token++;
          const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
          const assertion = form.get('client_assertion') ?? '';
          try {
            const { payload, protectedHeader } = await jwtVerify(
              assertion,
              async (header) => {
                const entry = keys.get(header.kid ?? '');
                if (!entry) throw new Error('unknown kid');
                return importJWK(entry.jwk, header.alg);
              },
              {
                algorithms: ['ES256', 'EdDSA'],
                typ: 'client-authentication+jwt',
                audience: `${baseUrl}/v1/token`,
                maxTokenAge: 300,
              },
            );
            const entry = keys.get(String(protectedHeader.kid));
            if (!entry || payload.iss !== entry.clientId || payload.sub !== entry.clientId)
              throw new Error('iss');
            const token = `token-${calls.token}`;
            tokens.set(token, String(payload.sub));
            sendJson(res, 200, {
              access_token: token,
              token_type: 'Bearer',
              expires_in: options.expiresIn ?? 300,
            });
          } catch {
            unauthorized(res, 'ERR_TOKEN_INVALID');
          }
          return;
        }
        if (req.method === 'GET' && req.url === '/v1/me') {
          calls.me++;
          const sub = tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
          if (!sub) return unauthorized(res, 'ERR_TOKEN_INVALID');
          const [authorityId, memberId] = sub.split(':');
          return sendJson(res, 200, { sub, authorityId, memberId });
        }
        const history = /^\/v1\/directory\/authorities\/([^/]+)\/members\/([^/]+)\/keys$/.exec(req.url ?? '');
        if (req.method === 'GET' && history) {
          // The member's key history (login and whoami check it): every registered key of that client id.
          const sub = tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
          const clientId = `${decodeURIComponent(history[1]!)}:${decodeURIComponent(history[2]!)}`;
          if (!sub) return unauthorized(res, 'ERR_TOKEN_INVALID');
          const own = [...keys.values()].filter((k) => k.clientId === clientId && sub === clientId);
          return sendJson(res, 200, {
            authorityId: decodeURIComponent(history[1]!),
            memberId: decodeURIComponent(history[2]!),
            keys: own.map((k) => ({
              kid: String(k.jwk.kid),
              alg: String(k.jwk.alg ?? 'ES256'),
              fingerprint: '',
              status: 'active',
              createdAt: '2026-01-01T00:00:00.000Z',
              jwk: k.jwk,
            })),
          });
        }
        sendJson(res, 404, { status: 404, code: 'ERR_NOT_FOUND', title: 'Not Found' }, true);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl,
    calls,
    register(clientId, publicJwk) {
      keys.set(String(publicJwk.kid), { clientId, jwk: publicJwk });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
