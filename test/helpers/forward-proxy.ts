// A small real HTTP proxy on 127.0.0.1 for the s3.proxy.* tests: forwards
// absolute-URI requests (http targets) and opens CONNECT tunnels (https
// targets), each only with the expected Proxy-Authorization, and records what
// it saw so a test can prove the requests went through it.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface ProxySeen {
  kind: 'forward' | 'connect';
  method: string;
  /** The absolute URI of a forwarded request, host:port of a tunnel. */
  target: string;
  /** Whether it carried the expected credentials (refused with 407 otherwise). */
  authorized: boolean;
  /** The Proxy-Authorization header received, decoded (user:password), if any. */
  credentials?: string;
}

export interface ForwardProxy {
  /** http://127.0.0.1:<port>, https:// when it speaks TLS */
  url: string;
  port: number;
  seen: ProxySeen[];
  close(): Promise<void>;
}

/** Starts the proxy; `auth` undefined: no credentials required; with `tls`, clients speak TLS to the proxy itself. */
export async function startForwardProxy(auth?: { user: string; password: string }, tls?: { cert: string; key: string }): Promise<ForwardProxy> {
  const seen: ProxySeen[] = [];
  const expected = auth ? `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}` : undefined;
  const check = (kind: ProxySeen['kind'], req: http.IncomingMessage): boolean => {
    const header = req.headers['proxy-authorization'];
    const authorized = expected === undefined || header === expected;
    const credentials = header?.startsWith('Basic ') ? Buffer.from(header.slice(6), 'base64').toString() : undefined;
    seen.push({ kind, method: req.method ?? '', target: req.url ?? '', authorized, ...(credentials !== undefined ? { credentials } : {}) });
    return authorized;
  };
  const sockets = new Set<net.Socket>();

  const handle = (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (!check('forward', req)) {
      res.writeHead(407, { 'Proxy-Authenticate': 'Basic realm="test"', 'Content-Type': 'text/plain' }).end('proxy credentials refused');
      return;
    }
    const target = new URL(req.url!);
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: target.pathname + target.search, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.headersSent ? res.destroy() : res.writeHead(502).end());
    req.pipe(upstream);
  };
  const server = tls ? https.createServer({ cert: tls.cert, key: tls.key }, handle) : http.createServer(handle);
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    if (!check('connect', req)) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const [host, port] = [req.url!.slice(0, req.url!.lastIndexOf(':')), Number(req.url!.slice(req.url!.lastIndexOf(':') + 1))];
    const upstream = net.connect(port, host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  server.on(tls ? 'secureConnection' : 'connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    seen,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
