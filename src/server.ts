import http from 'node:http';
import { createInstallApp } from '../install/install-app';
import { ConfigError } from './config/load-config';
import { defaultToProduction } from './config/node-env';
import { createTessera, type Tessera } from './tessera';

/**
 * Listens, and on SIGTERM/SIGINT stops gracefully: /readyz turns 503 so the load balancer stops
 * sending, new responses close their keep-alive connection, requests in flight finish, idle
 * connections close as they go idle, then the database pool closes.
 */
function main(): void {
  defaultToProduction();
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
  const { config, logger } = tessera;
  let stopping = false;
  const server = http.createServer((req, res) => {
    if (stopping) {
      res.setHeader('Connection', 'close');
      res.on('finish', () => server.closeIdleConnections());
      if (req.url === '/readyz') {
        res.writeHead(503, { 'Content-Type': 'application/json' }).end('{"status":"stopping"}');
        return;
      }
    }
    tessera.handle(req, res);
  });
  server.keepAliveTimeout = 65_000;
  server.listen(config.server.port, config.server.host, () => {
    const where = `http://${config.server.host === '0.0.0.0' ? 'localhost' : config.server.host}:${config.server.port}`;
    logger.info(
      tessera.installed() ? `Tessera is running at ${where}` : `Tessera is not installed yet: open ${where}/install`,
    );
  });

  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.warn('requests still running after the shutdown timeout; closing anyway');
      server.closeAllConnections();
    }, config.server.shutdownTimeoutMs);
    force.unref();
    server.close(() => {
      tessera
        .close()
        .catch((err: unknown) => logger.error({ err }, 'closing the database pool failed'))
        .finally(() => process.exit(0));
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  // A stray rejection is a bug to log, not a reason to drop every request in flight.
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
}

// Runs whether started directly or loaded by a hosting panel's app runner.
main();
