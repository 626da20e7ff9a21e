import t from 'tap';
import { ConfigError, loadConfig } from '../../src/config.js';

const refusal = (env: Record<string, string>): string => {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  return '';
};

t.test('worker intervals: defaults, overrides, and a bad value names its variable', async (t) => {
  const defaults = loadConfig({});
  t.equal(defaults.relayIntervalMs, 500);
  t.equal(defaults.breachIntervalMs, undefined, 'unset: the breach worker follows the relay');
  t.equal(loadConfig({ BREACH_INTERVAL_MS: '15000' }).breachIntervalMs, 15_000);
  t.match(refusal({ BREACH_INTERVAL_MS: '10' }), /BREACH_INTERVAL_MS/, 'below a second is refused');
  t.match(refusal({ BREACH_INTERVAL_MS: 'soon' }), /BREACH_INTERVAL_MS/);
  t.match(refusal({ RELAY_INTERVAL_MS: '-1' }), /RELAY_INTERVAL_MS/);
});
