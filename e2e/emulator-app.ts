/**
 * The cdktf app the e2e suite hands to `npx cdktf deploy` / `destroy`: the production app for the
 * config in AMI_GUARD_CONFIG, wired to the emulator at AMI_GUARD_EMULATOR_URL from outside. It exits 1
 * unless every stack it wrote is pointed at the emulator only, so cdktf never runs terraform on a
 * stack that could reach anything else.
 */

/** The environment variable naming the emulator's URL. */
export const EMULATOR_URL_ENV = 'AMI_GUARD_EMULATOR_URL';

function main(): void {
  const url = process.env[EMULATOR_URL_ENV];
  if (!url) throw new Error(`${EMULATOR_URL_ENV} is not set: this app only synthesizes for a local emulator.`);
  // Loaded once the URL is known: a refusal does not wait for the whole app, and importing the name above stays light.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { configPathFromEnv, loadConfig } = require('../config/load') as typeof import('../config/load');
  const { buildApp } = require('../modules/stacks/app') as typeof import('../modules/stacks/app');
  const { wireToEmulator } = require('./emulator-wiring') as typeof import('./emulator-wiring');
  const { nonLocalSettings, readStack, synthesizeApp } = require('./synth') as typeof import('./synth');
  /* eslint-enable @typescript-eslint/no-require-imports */
  // cdktf passes the output folder as CDKTF_OUTDIR, which App reads.
  const stacks = synthesizeApp(wireToEmulator(buildApp(loadConfig(configPathFromEnv())), url));
  const problems = stacks.flatMap((s) => nonLocalSettings(readStack(s), url).map((p) => `${s.name}: ${p}`));
  if (problems.length > 0) throw new Error(`refusing to hand these stacks to cdktf:\n  ${problems.join('\n  ')}`);
}

if (require.main === module) {
  try {
    main();
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}
