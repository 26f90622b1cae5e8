import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const passengerPaths = {
  apache: '/usr/sbin/apache2',
  modules: '/usr/lib/apache2/modules',
  passengerModule: '/usr/lib/apache2/modules/mod_passenger.so',
  passengerRoot: '/usr/lib/ruby/vendor_ruby/phusion_passenger/locations.ini',
};

/** What is missing for this test; CI installs Debian's apache2, libapache2-mod-passenger and passenger. */
export function missingPackages(): string[] {
  const missing: string[] = [];
  if (!fs.existsSync(passengerPaths.apache)) missing.push('apache2');
  if (!fs.existsSync(passengerPaths.passengerModule)) missing.push('libapache2-mod-passenger');
  if (!fs.existsSync(passengerPaths.passengerRoot)) missing.push('passenger');
  if (!fs.existsSync('/usr/bin/unzip')) missing.push('unzip');
  return missing;
}

export async function freeLoopbackPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * An Apache configuration of its own (the system's is not touched) with one virtual host that
 * hands every request to the Node.js application the way cPanel's "Setup Node.js App" writes it:
 * PassengerAppRoot, PassengerAppType node, PassengerStartupFile, PassengerNodejs, a base URI.
 * The document root is a separate, empty folder, as a domain's public_html is.
 */
export function apacheConfig(o: { dir: string; port: number; appRoot: string; docRoot: string; user: string }): string {
  const m = passengerPaths.modules;
  return `ServerRoot ${o.dir}
ServerName 127.0.0.1
Listen 127.0.0.1:${o.port}
PidFile ${o.dir}/httpd.pid
DefaultRuntimeDir ${o.dir}/run
ErrorLog ${o.dir}/error.log
LogLevel warn
LoadModule mpm_event_module ${m}/mod_mpm_event.so
LoadModule authz_core_module ${m}/mod_authz_core.so
LoadModule passenger_module ${passengerPaths.passengerModule}
User ${o.user}
Group ${o.user}
PassengerRoot ${passengerPaths.passengerRoot}
PassengerDefaultRuby /usr/bin/ruby
PassengerInstanceRegistryDir ${o.dir}/passenger
PassengerLogFile ${o.dir}/passenger.log
PassengerDisableSecurityUpdateCheck on
PassengerDisableAnonymousTelemetry on
<VirtualHost 127.0.0.1:${o.port}>
  ServerName 127.0.0.1
  DocumentRoot ${o.docRoot}
  PassengerAppRoot ${o.appRoot}
  PassengerBaseURI /
  PassengerAppType node
  PassengerStartupFile app.js
  PassengerNodejs ${process.execPath}
  PassengerAppEnv production
  PassengerFriendlyErrorPages off
  <Directory ${o.docRoot}>
    Require all granted
  </Directory>
</VirtualHost>
`;
}

/** Apache in the foreground, so the test owns the process; stopped with a graceful SIGTERM. */
export function startApache(configFile: string): ChildProcess {
  fs.mkdirSync(path.join(path.dirname(configFile), 'run'), { recursive: true });
  fs.mkdirSync(path.join(path.dirname(configFile), 'passenger'), { recursive: true });
  return spawn(passengerPaths.apache, ['-f', configFile, '-DFOREGROUND'], { stdio: ['ignore', 'inherit', 'inherit'] });
}

export async function stopApache(apache: ChildProcess | undefined): Promise<void> {
  if (!apache || apache.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => apache.once('exit', () => resolve()));
  apache.kill('SIGTERM');
  await exited;
}
