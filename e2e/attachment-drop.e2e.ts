// Drag-and-drop of a photo onto the capture form (web host): per-file progress while it is stored in
// chunks, a thumbnail, EXIF GPS stripped before the file is hashed, and the record submitted with the
// reference of exactly the stored bytes.
import { describe, expect, it } from 'vitest';
import { hash } from 'node:crypto';
import { hostSuite } from './harness';
import { jpegWithGps, hasLatitude } from '../src/main/features/capture/test-jpeg';
import { stripLocation } from '../src/main/features/capture/location-strip';

const suite = hostSuite();

async function api<T>(channel: string, body: unknown): Promise<T> {
  const res = await fetch(new URL(`/api/${channel}`, suite.host.url), {
    method: 'POST',
    headers: { authorization: `Bearer ${decodeURIComponent(/token=([^&]+)/.exec(suite.host.launchUrl)![1]!)}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { ok: boolean; data: T };
  expect(json.ok).toBe(true);
  return json.data;
}

describe('attachments by drag-and-drop (web host)', () => {
  it('drops a 3 MB photo carrying GPS: progress, thumbnail, stored stripped, submitted with its reference', async () => {
    const page = await suite.browser.newPage({ viewport: { width: 1400, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(suite.host.launchUrl);
    await page.getByLabel('Your name').fill('Ada Field');
    await page.getByLabel('Tenant (organisation id)').fill('acme-field');
    await page.getByRole('button', { name: 'Create profile' }).click();
    await page.getByRole('heading', { name: 'Capture' }).waitFor();
    await page.getByLabel('Contract').selectOption('field.inspect.site@1.2.0');

    // The Exif segment (with a GPS IFD) of the fixture, spliced into a real JPEG drawn by the page and
    // padded with a comment segment-sized tail so the file spans several 1 MiB chunks.
    const fixture = jpegWithGps();
    const app1 = fixture.subarray(2, fixture.indexOf(Buffer.from([0xff, 0xda])));
    const dropped = Buffer.from(
      await page.evaluate(async (app1Hex: string) => {
        const canvas = document.createElement('canvas');
        canvas.width = 640;
        canvas.height = 480;
        const g = canvas.getContext('2d')!;
        g.fillStyle = '#2a6';
        g.fillRect(0, 0, 640, 480);
        g.fillStyle = '#fe3';
        g.fillRect(100, 100, 200, 150);
        const blob = await new Promise<Blob>((r) => canvas.toBlob((b) => r(b!), 'image/jpeg', 0.9));
        const body = new Uint8Array(await blob.arrayBuffer());
        const seg = new Uint8Array(app1Hex.match(/../g)!.map((h) => parseInt(h, 16)));
        // JPEG readers stop at EOI (FFD9): bytes after it pad the file to ~3 MB without changing the image.
        const pad = new Uint8Array(3_000_000);
        for (let i = 0; i < pad.length; i++) pad[i] = (i * 7919) % 251;
        const out = new Uint8Array(2 + seg.length + body.length - 2 + pad.length);
        out.set([0xff, 0xd8]);
        out.set(seg, 2);
        out.set(body.subarray(2), 2 + seg.length);
        out.set(pad, 2 + seg.length + body.length - 2);
        (window as unknown as { __photo: Uint8Array<ArrayBuffer> }).__photo = out;
        const url = await new Promise<string>((r) => {
          const fr = new FileReader();
          fr.onload = () => r(String(fr.result));
          fr.readAsDataURL(new Blob([out]));
        });
        return url.slice(url.indexOf(',') + 1);
      }, app1.toString('hex')),
      'base64',
    );
    expect(hasLatitude(dropped)).toBe(true);
    const expected = await stripLocation(dropped);
    expect(hasLatitude(expected)).toBe(false);
    const expectedRef = `sha256:${hash('sha256', expected, 'hex')}`;

    // Chunks after the first wait at a gate, so the progress of a file on its way can be looked at.
    let release = () => {};
    const gate = new Promise<void>((r) => (release = r));
    let chunkRequests = 0;
    await page.route('**/api/attachments.upload.chunk', async (route) => {
      if (chunkRequests++ > 0) await gate;
      await route.continue();
    });

    // Drop it on the Photos field: a DataTransfer built in the page, dispatched as dragover + drop.
    const zone = page.locator('[data-path="/photos"]').getByTestId('drop-zone');
    const dt = await page.evaluateHandle(() => {
      const d = new DataTransfer();
      d.items.add(new File([(window as unknown as { __photo: Uint8Array<ArrayBuffer> }).__photo], 'valve.jpg', { type: 'image/jpeg' }));
      return d;
    });
    await zone.dispatchEvent('dragover', { dataTransfer: dt });
    await zone.dispatchEvent('drop', { dataTransfer: dt });

    // Progress: a labelled progressbar with a value, then a thumbnail named by the stored reference.
    const bar = page.getByRole('progressbar', { name: 'Storing valve.jpg' });
    await bar.waitFor();
    await expect.poll(() => bar.getAttribute('aria-valuenow'), { timeout: 30_000 }).toBe(String(Math.floor((1024 * 1024 * 100) / dropped.length)));
    expect(await bar.getAttribute('aria-valuetext')).toBe(`1.0 MiB of ${(dropped.length / 1024 / 1024).toFixed(1)} MiB`);
    await page.getByRole('button', { name: 'Cancel valve.jpg' }).waitFor();
    release();
    const thumb = page.locator('[data-path="/photos"] figure.thumb');
    await thumb.waitFor({ timeout: 60_000 });
    expect(await thumb.locator('figcaption').getAttribute('title')).toBe(expectedRef);
    await expect.poll(() => thumb.locator('img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    expect(await thumb.locator('img').getAttribute('src')).toMatch(/^data:image\/jpeg;base64,/);
    expect(await bar.count()).toBe(0);

    // The stored bytes are the dropped ones with the GPS IFD emptied.
    const stored = await api<{ dataBase64: string; size: number }>('attachments.get', { hash: expectedRef.slice(7) });
    expect(Buffer.from(stored.dataBase64, 'base64').equals(expected)).toBe(true);

    // Fill the rest and submit: the record carries the reference.
    await page.getByLabel('Site ID').fill('PS-7');
    await page.getByLabel('Inspection date').fill('2026-03-14');
    await page.getByLabel('Latitude').fill('52.52');
    await page.getByLabel('Longitude').fill('13.405');
    await page.getByLabel('Overall condition').selectOption('fair');
    await page.getByRole('group', { name: 'Inspector' }).getByLabel('Name', { exact: true }).fill('Ada Field');
    await page.getByRole('button', { name: 'Add to Meter readings' }).click();
    const reading = page.getByRole('group', { name: 'Meter readings 1' });
    await reading.getByLabel('Meter', { exact: true }).fill('M-1');
    await reading.getByLabel('Value').fill('3.5');
    await reading.getByLabel('Unit').selectOption('bar');
    // What is submitted is the autosaved form: its draft names the photo.
    await expect
      .poll(async () => JSON.stringify((await api<{ drafts: { data: unknown }[] }>('drafts.list', {})).drafts.map((d) => d.data)))
      .toContain(expectedRef);
    await page.getByRole('button', { name: 'Submit' }).click();
    const result = page.getByTestId('capture-result');
    await result.waitFor();
    expect(await result.textContent()).toContain('Saved to outbox');
    const outbox = await api<{ items: { kind?: string; attachmentHash?: string | null }[] }>('outbox.list', {});
    expect(JSON.stringify(outbox)).toContain(expectedRef.slice(7));

    expect(pageErrors).toEqual([]);
    await page.close();
  }, 120_000);

  it('takes a pasted image, and Cancel stops a file on its way (nothing attached, no error)', async () => {
    const page = await suite.browser.newPage({ viewport: { width: 1400, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    let release = () => {};
    let gate: Promise<void> | null = null;
    await page.route('**/api/attachments.upload.chunk', async (route) => {
      if (gate) await gate;
      await route.continue();
    });
    await page.goto(suite.host.launchUrl);
    await page.getByRole('heading', { name: 'Capture' }).waitFor();
    await page.getByLabel('Contract').selectOption('field.inspect.site@1.2.0');
    const field = page.locator('[data-path="/photos"]');
    const zone = field.getByTestId('drop-zone');

    // Paste: a PNG drawn in the page, on the focused drop zone.
    await zone.focus();
    await zone.evaluate(async (el) => {
      const canvas = document.createElement('canvas');
      canvas.width = 50;
      canvas.height = 40;
      canvas.getContext('2d')!.fillRect(5, 5, 20, 20);
      const blob = await new Promise<Blob>((r) => canvas.toBlob((b) => r(b!), 'image/png'));
      const dt = new DataTransfer();
      dt.items.add(new File([blob], 'pasted.png', { type: 'image/png' }));
      el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    });
    await expect.poll(() => field.locator('figure.thumb').count(), { timeout: 30_000 }).toBe(1);
    expect(await field.locator('figure.thumb figcaption').getAttribute('title')).toMatch(/^sha256:[0-9a-f]{64}$/);

    // Cancel: chunks wait at the gate while Cancel is pressed.
    gate = new Promise<void>((r) => (release = r));
    const dt = await page.evaluateHandle(() => {
      const d = new DataTransfer();
      d.items.add(new File([new Uint8Array(2_500_000).fill(7)], 'big.jpg', { type: 'image/jpeg' }));
      return d;
    });
    await zone.dispatchEvent('drop', { dataTransfer: dt });
    await page.getByRole('progressbar', { name: 'Storing big.jpg' }).waitFor();
    await page.getByRole('button', { name: 'Cancel big.jpg' }).click();
    release();
    await expect.poll(() => page.getByRole('progressbar', { name: 'Storing big.jpg' }).count(), { timeout: 30_000 }).toBe(0);
    expect(await field.locator('figure.thumb').count()).toBe(1);
    expect(await field.locator('[role="alert"]').count()).toBe(0);
    expect(pageErrors).toEqual([]);
    await page.close();
  }, 120_000);

  it('resumes after a reload: the same file dropped again sends only the chunks not yet received', async () => {
    const page = await suite.browser.newPage({ viewport: { width: 1400, height: 900 } });
    const chunkRoute = '**/api/attachments.upload.chunk';
    let sent = 0;
    let afterReload: number | null = null;
    // Before the reload every chunk after the first hangs (the reload comes while the second is on its
    // way, and it never reaches the host); after it, chunks are counted and pass.
    await page.route(chunkRoute, async (route) => {
      if (afterReload === null && sent++ > 0) await new Promise<void>(() => {});
      if (afterReload !== null) afterReload++;
      await route.continue();
    });
    const open = async () => {
      await page.getByRole('heading', { name: /^(Welcome to Maestro|Capture)$/ }).waitFor();
      if (await page.getByRole('heading', { name: 'Welcome to Maestro' }).count()) {
        await page.getByLabel('Your name').fill('Ada Field');
        await page.getByLabel('Tenant (organisation id)').fill('acme-field');
        await page.getByRole('button', { name: 'Create profile' }).click();
      }
      await page.getByRole('heading', { name: 'Capture' }).waitFor();
      await page.getByLabel('Contract').selectOption('field.inspect.site@1.2.0');
    };
    const drop = async () => {
      const dt = await page.evaluateHandle(() => {
        const bytes = new Uint8Array(2_600_000);
        for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31) % 256;
        const d = new DataTransfer();
        d.items.add(new File([bytes], 'survey.jpg', { type: 'image/jpeg', lastModified: 1_700_000_000_000 }));
        return d;
      });
      await page.locator('[data-path="/photos"]').getByTestId('drop-zone').dispatchEvent('drop', { dataTransfer: dt });
    };
    await page.goto(suite.host.launchUrl);
    await open();
    await drop();
    const bar = page.getByRole('progressbar', { name: 'Storing survey.jpg' });
    await expect.poll(() => bar.getAttribute('aria-valuenow'), { timeout: 30_000 }).toBe(String(Math.floor((1024 * 1024 * 100) / 2_600_000)));

    afterReload = 0;
    await page.reload();
    await open();
    await drop();
    await expect.poll(() => page.locator('[data-path="/photos"] figure.thumb').count(), { timeout: 30_000 }).toBe(1);
    // 3 chunks in all; the first was acknowledged before the reload and is not sent again.
    expect(afterReload).toBe(2);
    await page.close();
  }, 120_000);
});
