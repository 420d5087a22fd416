import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import type { App } from 'supertest/types';

import { PAGE_SECURITY_HEADERS, WebController } from './web.controller';
import { WebModule } from './web.module';

describe(WebController.name, () => {
  let app: INestApplication<App>;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [WebModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });

  afterAll(async () => {
    await app.close();
  });

  it('should serve the page at / with its security headers', async () => {
    const response = await request(app.getHttpServer()).get('/');

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.text).toContain('<canvas');
    for (const [name, value] of Object.entries(PAGE_SECURITY_HEADERS)) {
      expect(response.headers[name.toLowerCase()]).toBe(value);
    }
  });

  it('should serve the page files under /assets with their types', async () => {
    const server = app.getHttpServer();

    const script = await request(server).get('/assets/app.js');
    const styles = await request(server).get('/assets/styles.css');

    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toMatch(/javascript/);
    expect(styles.headers['content-type']).toMatch(/^text\/css/);
    expect(script.headers['content-security-policy']).toContain("default-src 'none'");
  });

  it('should allow only self and data: or blob: images in the content security policy', () => {
    const policy = PAGE_SECURITY_HEADERS['Content-Security-Policy'];

    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("img-src 'self' data: blob:");
    expect(policy).not.toContain('unsafe-inline');
  });

  it.each(['missing.js', '..%2Fweb.controller.ts', '..%2F..%2Fapi.module.ts', 'index.html'])(
    'should answer 404 for /assets/%s',
    async (name) => {
      const response = await request(app.getHttpServer()).get(`/assets/${name}`);

      expect(response.status).toBe(404);
    },
  );
});
