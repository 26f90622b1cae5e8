import { loadConfig } from '../config/load-config';
import { lmtpSecretOf, lmtpUser } from '../mail-intake/lmtp-address';
import { runCommand } from './command';

/**
 * `npm run lmtp:secret`: the user name and password the mail server signs in with when Tessera
 * receives LMTP on a loopback port (`server.lmtp` = host:port). Derived from the signing secret,
 * so it changes when that secret does. Printed on standard output for the MTA's configuration.
 */
runCommand('Cannot tell the LMTP password', async () => {
  const config = loadConfig();
  if (!config.installed) {
    console.error('Tessera is not installed yet: open /install in the browser or run npm run setup.');
    return 1;
  }
  console.log(`user: ${lmtpUser}\npassword: ${lmtpSecretOf(config.secrets.signing)}`);
  return 0;
});
