import http from 'node:http';
import { createInstallApp } from '../install/install-app';
import { ConfigError, loadConfig } from './config/load-config';
import { createTessera, type Tessera } from './tessera';

/** Listens, and on SIGTERM/SIGINT stops accepting, lets requests finish, then closes the pool. */
function main(): void {
  let tessera: Tessera;
  try {
    tessera = createTessera(createInstallApp);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const config = loadConfig();
  const server = http.createServer(tessera.handle);
  server.keepAliveTimeout = 65_000;
  server.listen(config.server.port, config.server.host, () => {
    const where = `http://${config.server.host === '0.0.0.0' ? 'localhost' : config.server.host}:${config.server.port}`;
    tessera.logger.info(tessera.installed() ? `Tessera is running at ${where}` : `Tessera is not installed yet: open ${where}/install`);
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    tessera.logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      tessera.logger.warn('requests still running after the shutdown timeout; closing anyway');
      server.closeAllConnections();
    }, config.server.shutdownTimeoutMs);
    force.unref();
    server.close(() => {
      tessera
        .close()
        .catch((err: unknown) => tessera.logger.error({ err }, 'closing the database pool failed'))
        .finally(() => process.exit(0));
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

// Runs whether started directly or loaded by a hosting panel's app runner.
main();
