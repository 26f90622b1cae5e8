import net from 'node:net';
import { listening } from './dovecot';
import { waitFor, within } from './wait-for';

// The fetch-idle tests hung for minutes: a wait whose check never answered outlived its limit.
test('a check that never answers ends the wait at its limit', async () => {
  await expect(waitFor(() => new Promise<boolean>(() => undefined), 'nothing', 100)).rejects.toThrow(
    'gave up waiting for: nothing',
  );
  await expect(within(new Promise(() => undefined), 'never', 100)).rejects.toThrow('never (100 ms)');
  expect(await within(Promise.resolve(7), 'at once', 100)).toBe(7);
});

test('a server that accepts and closes without a greeting is not listening (and the check answers)', async () => {
  const server = net.createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as net.AddressInfo;
    expect(await within(listening(port), 'the check', 5_000)).toBe(false);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
