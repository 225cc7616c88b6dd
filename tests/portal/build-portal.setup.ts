// Test setup (browser project): builds the portal once for the whole suite, as `npm start` does, into
// portal/dist, and tells each suite where it is (POUCH_TEST_PORTAL_DIR).
import { build } from 'vite';

export async function setup(): Promise<void> {
  const config = await import('../../portal/vite.config.ts');
  await build({ configFile: 'portal/vite.config.ts', logLevel: 'warn' });
  process.env.POUCH_TEST_PORTAL_DIR = config.portalOutDir;
}
