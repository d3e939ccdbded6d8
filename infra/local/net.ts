import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';

/** The lowest port below which we look for free ones. */
const LOWEST_PORT = 20_000;

/**
 * A free TCP port on 127.0.0.1, for a server that will start in a moment (often in another
 * process). Taken below the kernel's ephemeral range, where `listen(0)` and outgoing connections
 * get theirs: between this answer and that server's start, a test worker starting a server of its
 * own (or opening a connection) cannot take the same port. Where there is no room below the range,
 * the OS picks, as before.
 */
export async function freePort(): Promise<number> {
  const below = ephemeralRangeStart() - LOWEST_PORT;
  for (let tries = 0; below > 1_000 && tries < 50; tries++) {
    const port = LOWEST_PORT + randomInt(below);
    if (await canListen(port)) return port;
  }
  return osPickedPort();
}

/** Linux's ip_local_port_range; elsewhere the IANA dynamic range (macOS uses it). */
function ephemeralRangeStart(): number {
  try {
    const low = Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : 49_152;
  } catch {
    return 49_152;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function osPickedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Waits until something accepts connections on the port (bounded). */
export async function waitForPort(port: number, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listened on 127.0.0.1:${port} within ${timeoutMs} ms`);
}
