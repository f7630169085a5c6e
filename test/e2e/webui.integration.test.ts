// The Temporal Web UI, in headless Chromium (Debian's, driven by playwright-core):
// a run is found by its search attribute, its activity summaries, summary, details and
// step table are shown (payloads decoded by the codec server). Screenshots are kept
// in test-artifacts/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, ROOT, type Sandbox } from './harness.js';

const ARTIFACTS = join(ROOT, 'test-artifacts');
let box: Sandbox;
let browser: Browser;
let ui: string;

beforeAll(async () => {
  box = await createSandbox();
  mkdirSync(ARTIFACTS, { recursive: true });
  const spec = {
    cluster: 'e2eui',
    provider: { type: 'local', subnet: '10.229.0.0/24' },
    manager: { name: 'e2eui-m' },
    nodes: [{ name: 'e2eui-n1' }, { name: 'e2eui-n2' }],
    network: { name: 'private-net', subnet: '10.0.9.0/24' },
    workloads: [{ name: 'web', kind: 'nginx', host: 'e2eui-n2', expose: 80 }],
    verify: { from: 'e2eui-n1' },
  };
  const up = await box.cli(['up', '-f', box.writeSpec(spec, 'ui')]);
  expect(up.code, up.stderr).toBe(0);
  ui = JSON.parse((await box.cli(['dev', 'status', '--json'])).stdout).server.uiUrl;
  // The flags keep Chromium from reaching out to the network, which is closed here.
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await box.cli(['down', 'e2eui']);
  await box.cli(['dev', 'stop']);
  expect(box.dispose(['e2eui'])).toEqual([]);
}, 180_000);

/** Markdown (summary, details, current details) is rendered in iframes: search every frame. */
async function framesContaining(page: Page, text: string): Promise<number> {
  let n = 0;
  for (const f of page.frames()) if ((await f.content()).includes(text)) n += 1;
  return n;
}

describe('the Temporal Web UI', () => {
  it('finds the run by OverlayCluster and shows its summaries, details and step table', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${ui}/namespaces/default/workflows?query=${encodeURIComponent('OverlayCluster="e2eui"')}`, { waitUntil: 'networkidle' });
    const link = page.locator('a:has-text("overlayctl/e2eui/provision")').first();
    await link.waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'webui-list.png') });
    await link.click();
    await page.getByText('User Metadata', { exact: true }).waitFor({ timeout: 30_000 });
    await page.waitForLoadState('networkidle');
    // activity summaries on the event timeline
    await page.getByText('create host e2eui-n2').first().waitFor({ timeout: 30_000 });
    expect(await page.getByText('join e2eui-n2 to the cluster').count()).toBeGreaterThan(0);
    // the input, decoded by the codec server (payloads are encrypted on the server)
    expect(await page.content()).toContain('10.229.0.0/24');
    await page.screenshot({ path: join(ARTIFACTS, 'webui-run.png'), fullPage: true });
    await page.getByText('User Metadata', { exact: true }).click();
    await page.waitForTimeout(1_000);
    await page.screenshot({ path: join(ARTIFACTS, 'webui-metadata.png'), fullPage: true });
    expect(await framesContaining(page, 'e2eui: local, 3 hosts, 1 workloads')).toBeGreaterThan(0); // summary
    expect(await framesContaining(page, 'cluster: e2eui')).toBeGreaterThan(0); // details: the spec
    expect(await framesContaining(page, 'firewall (security group)')).toBeGreaterThan(0); // current details: steps
    await page.close();
  }, 120_000);
});
