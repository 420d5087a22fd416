/// <reference lib="dom" />
// DOM types for the functions that playwright runs inside the page.
import { mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

import type { Locator, Page } from 'playwright-core';
import sharp from 'sharp';

import { assertChromiumInstalled, HeadlessChromium, launchChromium } from './support/chromium';
import { LensqStack } from './support/lensq-stack';
import { hasSharedData, sharedPath } from './support/shared-data';
import { twoSevensPng } from './support/synthetic-images';

const ARTIFACTS = path.resolve(__dirname, '..', 'test-artifacts');
const PHONE = { width: 390, height: 844 };
const CARD_SETTLED_MS = 60_000;

/** Two real photos that the model reads correctly, with their digits. */
const REAL_IMAGES = [
  { name: '3_01_1.jpg', digit: '3' },
  { name: '7_03_1.png', digit: '7' },
];

describe('Web page (real Chromium, API, worker, Redis and Postgres)', () => {
  const stack = new LensqStack();
  let chromium: HeadlessChromium;
  let page: Page;
  const browserProblems: string[] = [];

  beforeAll(async () => {
    assertChromiumInstalled(); // before starting anything: say at once what is missing
    mkdirSync(ARTIFACTS, { recursive: true });

    await stack.start();
    chromium = await launchChromium();
    page = chromium.context.pages()[0] ?? (await chromium.context.newPage());
    page.on('pageerror', (error) => browserProblems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      // The refused file's 415 is logged by the browser as a failed load, and is expected.
      if (message.type() === 'error' && !/status of 415/.test(message.text())) {
        browserProblems.push(`console: ${message.text()}`);
      }
    });
  }, 120_000);

  afterAll(async () => {
    await chromium?.close();
    await stack.stop();
  }, 60_000);

  it('should serve the page at / under a strict content security policy', async () => {
    const response = await page.goto(`${stack.baseUrl}/`);

    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");
    await expect(page.title()).resolves.toContain('lensq');
    await page.locator('#read-drawing').waitFor();
    expect(browserProblems).toEqual([]);
  });

  it('should read a 7 drawn with the mouse, and show what the model saw', async () => {
    await drawSeven(page);
    await page.screenshot({ path: path.join(ARTIFACTS, 'web-drawn-seven-pad.png') });

    await page.getByRole('button', { name: 'Read my digit' }).click();

    const card = await expectDigit(page, 'drawing-1.png', '7');
    await expect(card.locator('.card-seen').getAttribute('src')).resolves.toMatch(
      /^data:image\/png;base64,/,
    );
    await expect(card.locator('.chart-item').count()).resolves.toBe(10);
    await expect(page.locator('#announcer').textContent()).resolves.toContain(
      'drawing-1.png: read 7',
    );
  });

  it('should read a 1 drawn with the keyboard after undo and clear', async () => {
    await page.getByRole('button', { name: 'Clear' }).click();
    expect(await page.getByRole('button', { name: 'Read my digit' }).isDisabled()).toBe(true);

    await page.locator('#pad').focus();
    await page.keyboard.press('ArrowRight'); // a stray stroke, taken back with undo
    await page.keyboard.down('Shift');
    await pressTimes(page, 'ArrowRight', 8);
    await page.keyboard.up('Shift');
    await page.getByRole('button', { name: 'Undo' }).click();
    await page.locator('#pad').focus();
    await pressTimes(page, 'ArrowLeft', 9);
    await pressTimes(page, 'ArrowUp', 10);
    await page.keyboard.down('Shift');
    await pressTimes(page, 'ArrowDown', 20);
    await page.keyboard.up('Shift');
    await page.keyboard.press('Enter');

    await expectDigit(page, 'drawing-2.png', '1');
  });

  const itWithRealImages = hasSharedData('realworld', 'single') ? it : it.skip;

  itWithRealImages('should read two real photos dropped together, each on its card', async () => {
    await dropFiles(
      page,
      REAL_IMAGES.map((image) => sharedPath('realworld', 'single', image.name)),
    );

    for (const image of REAL_IMAGES) {
      const card = await expectDigit(page, image.name, image.digit);
      await expect(card.locator('.card-thumbnail').isVisible()).resolves.toBe(true);
    }
  });

  it("should show a refused file's error in plain words on that file's card only", async () => {
    await page
      .locator('#file-input')
      .setInputFiles([
        { name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('not an image at all\n') },
      ]);

    const card = await settledCard(page, 'notes.png');
    await expect(card.getAttribute('data-state')).resolves.toBe('error');
    await expect(card.getAttribute('data-error-code')).resolves.toBe('unsupported-format');
    await expect(card.locator('.card-error-summary').textContent()).resolves.toBe(
      'This file is not an image lensq can read. Send a PNG, JPEG, WebP, GIF, BMP or TIFF image.',
    );
    await expect(card.locator('.card-error-detail').textContent()).resolves.toContain(
      'notes.png: Text is not supported',
    );
    await expect(page.locator('.card[data-state="done"]').count()).resolves.toBeGreaterThanOrEqual(
      2,
    );
  });

  it('should explain on its card an image in which the model found no ink', async () => {
    await page
      .locator('#file-input')
      .setInputFiles([{ name: 'blank.png', mimeType: 'image/png', buffer: await blankPng() }]);

    const card = await settledCard(page, 'blank.png');
    await expect(card.getAttribute('data-error-code')).resolves.toBe('blank-image');
    await expect(card.locator('.card-error-summary').textContent()).resolves.toContain(
      'No digit found',
    );
  });

  it('should say on its card why a digit is not sure: two digits in one picture', async () => {
    const resultRequests: string[] = [];
    const onRequest = (request: { url(): string }) => {
      if (request.url().includes('/tasks/result/')) resultRequests.push(request.url());
    };
    page.on('request', onRequest);
    await page
      .locator('#file-input')
      .setInputFiles([{ name: 'pair.png', mimeType: 'image/png', buffer: await twoSevensPng() }]);

    const card = await settledCard(page, 'pair.png');
    page.off('request', onRequest);
    // Long-polled, as README.md advises: one request that the service holds until the result.
    expect(resultRequests.length).toBeGreaterThan(0);
    resultRequests.forEach((url) => expect(url).toContain('wait=10'));
    await expect(card.getAttribute('data-uncertain')).resolves.toBe('true');
    await expect(card.locator('.card-uncertain').textContent()).resolves.toContain(
      'most of the ink in this picture is not part of the digit read',
    );
  });

  it('should look right on a desktop and a phone (screenshots in test-artifacts/)', async () => {
    await page.screenshot({ path: path.join(ARTIFACTS, 'web-desktop.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: path.join(ARTIFACTS, 'web-desktop-dark.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });

    await page.setViewportSize(PHONE);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(ARTIFACTS, 'web-phone.png') });
    await page.screenshot({ path: path.join(ARTIFACTS, 'web-phone-full.png'), fullPage: true });

    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBe(0);
    expect(browserProblems).toEqual([]);
  });

  it('should keep Swagger UI at /docs working beside the page', async () => {
    const response = await page.goto(`${stack.baseUrl}/docs`);

    expect(response?.status()).toBe(200);
    await page.locator('.swagger-ui .information-container').waitFor({ timeout: 20_000 });
  });

  // Last: it stops the API.
  it('should say on the card when lensq cannot be reached, and offer to try again', async () => {
    await page.goto(`${stack.baseUrl}/`);
    await stack.api.stop();

    await page
      .locator('#file-input')
      .setInputFiles([{ name: 'offline.png', mimeType: 'image/png', buffer: await blankPng() }]);

    const card = await settledCard(page, 'offline.png');
    await expect(card.getAttribute('data-error-code')).resolves.toBe('network');
    await expect(card.locator('.card-error-summary').textContent()).resolves.toContain(
      'Cannot reach lensq',
    );
    await expect(card.getByRole('button', { name: 'Try again' }).isVisible()).resolves.toBe(true);
    await card.screenshot({ path: path.join(ARTIFACTS, 'web-offline-card.png') });
  });
});

function blankPng(): Promise<Buffer> {
  return sharp({ create: { width: 64, height: 64, channels: 3, background: '#ffffff' } })
    .png()
    .toBuffer();
}

/** The card of the file `name` once its task is done or failed. */
async function settledCard(page: Page, name: string): Promise<Locator> {
  const card = page.locator(`.card[data-name="${name}"]`);
  await card
    .and(page.locator('[data-state="done"], [data-state="error"]'))
    .waitFor({ timeout: CARD_SETTLED_MS });
  return card;
}

/** Waits for the card of `name` and checks that it read `digit`; on failure shows its error. */
async function expectDigit(page: Page, name: string, digit: string): Promise<Locator> {
  const card = await settledCard(page, name);

  const shown = {
    state: await card.getAttribute('data-state'),
    digit: await card.locator('.card-digit').textContent(),
    error: await card.locator('.card-error').textContent(),
  };
  expect(shown).toMatchObject({ state: 'done', digit });
  return card;
}

/** A 7 in two mouse strokes: the top bar, then the long diagonal. */
async function drawSeven(page: Page): Promise<void> {
  const box = await page.locator('#pad').boundingBox();
  if (!box) throw new Error('The drawing pad is not visible');
  const at = (x: number, y: number) => [box.x + box.width * x, box.y + box.height * y] as const;

  await page.mouse.move(...at(0.28, 0.22));
  await page.mouse.down();
  await page.mouse.move(...at(0.72, 0.22), { steps: 12 });
  await page.mouse.up();
  await page.mouse.move(...at(0.72, 0.22));
  await page.mouse.down();
  await page.mouse.move(...at(0.45, 0.85), { steps: 16 });
  await page.mouse.up();
}

async function pressTimes(page: Page, key: string, times: number): Promise<void> {
  for (let count = 0; count < times; count += 1) await page.keyboard.press(key);
}

/** Drops files on the drop zone the way a desktop drag and drop delivers them. */
async function dropFiles(page: Page, files: string[]): Promise<void> {
  const payload = files.map((file) => ({
    name: path.basename(file),
    base64: readFileSync(file).toString('base64'),
  }));
  const dataTransfer = await page.evaluateHandle((entries) => {
    const transfer = new DataTransfer();
    for (const entry of entries) {
      const bytes = Uint8Array.from(atob(entry.base64), (character) => character.charCodeAt(0));
      transfer.items.add(new File([bytes], entry.name));
    }
    return transfer;
  }, payload);

  await page.dispatchEvent('#drop-zone', 'dragenter', { dataTransfer });
  await page.dispatchEvent('#drop-zone', 'dragover', { dataTransfer });
  await page.dispatchEvent('#drop-zone', 'drop', { dataTransfer });
}
