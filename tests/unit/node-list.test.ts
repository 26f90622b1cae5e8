import { NodeList, NodeNotReadyError } from '../../src/db/node-list';

const refused = (port: number) => Object.assign(new Error(`connect ECONNREFUSED 127.0.0.1:${port}`), { code: 'ECONNREFUSED', address: '127.0.0.1', port });
const nodes = () => new NodeList([{ host: 'db1', port: 3301 }, { host: 'db2', port: 3302 }, { host: 'db3', port: 3303 }]);

test('connections go to the first node until it fails, then to the next, round and round', () => {
  const list = nodes();
  const first = list.settingsFor({ user: 'tessera' });
  expect(first).toMatchObject({ host: 'db1', port: 3301, user: 'tessera' });
  expect(first.expirationChecker()).toBe(false);
  list.failed(refused(3301));
  expect(first.expirationChecker()).toBe(true); // Knex asks for new settings
  expect(list.settingsFor({})).toMatchObject({ host: 'db2', port: 3302 });
  list.failed(new NodeNotReadyError('db2', 3302, 'is not ready'));
  expect(list.settingsFor({})).toMatchObject({ host: 'db3' });
  list.failed(refused(3303));
  expect(list.currentNode).toEqual({ host: 'db1', port: 3301 });
});

test('a late failure of an attempt made with older settings does not move the list away from a node that works', () => {
  const list = nodes();
  list.settingsFor({});
  // Five attempts to db1 were under way; all fail, one after another.
  for (let i = 0; i < 5; i++) list.failed(refused(3301));
  expect(list.settingsFor({})).toMatchObject({ host: 'db2' });
  list.failed(refused(3301)); // one more old attempt to db1, reported late
  expect(list.currentNode.host).toBe('db2');
  // An error that names no node counts against the settings in use.
  list.failed(new Error('Connection lost: The server closed the connection.'));
  expect(list.currentNode.host).toBe('db3');
});
