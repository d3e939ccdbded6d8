import fs from 'node:fs';
import net from 'node:net';
import { freePort } from '../../infra/local/net';

/**
 * freePort answers ports below the kernel's ephemeral range, so a server another worker starts
 * with listen(0) in the meantime (which gets a port from that range) cannot take it first.
 */
const rangeFile = '/proc/sys/net/ipv4/ip_local_port_range';

(fs.existsSync(rangeFile) ? test : test.skip)('ports come from below the ephemeral range, and can be listened on', async () => {
  const low = Number(fs.readFileSync(rangeFile, 'utf8').trim().split(/\s+/)[0]);
  for (let i = 0; i < 20; i++) {
    const port = await freePort();
    if (low - 20_000 > 1_000) {
      expect(port).toBeGreaterThanOrEqual(20_000);
      expect(port).toBeLessThan(low);
    }
    await new Promise<void>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
    });
  }
});

test('a port something already listens on is never answered', async () => {
  const held = await Promise.all(
    Array.from({ length: 5 }, async () => {
      const port = await freePort();
      const server = net.createServer();
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      return { port, server };
    }),
  );
  try {
    const taken = new Set(held.map((h) => h.port));
    for (let i = 0; i < 50; i++) expect(taken.has(await freePort())).toBe(false);
  } finally {
    await Promise.all(held.map(({ server }) => new Promise((r) => server.close(r))));
  }
});
