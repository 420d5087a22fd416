import { Controller, Get, Logger, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';

const PAGE_FILE = 'index.html';

/**
 * Headers for the page's own files only: Swagger UI at /docs uses inline scripts and styles,
 * so a policy this strict must not be set for every route.
 */
export const PAGE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
  // Revalidate with the ETag every time, so a new release is picked up at once.
  'Cache-Control': 'no-cache',
};

/** Serves the page at `/` and its files at `/assets/<name>`; nothing else from the folder. */
@ApiExcludeController()
@Controller()
export class WebController {
  private readonly logger = new Logger(WebController.name);
  private readonly publicDirectory = resolvePublicDirectory();
  private readonly assetNames = new Set(
    readdirSync(this.publicDirectory).filter((name) => name !== PAGE_FILE),
  );

  constructor() {
    this.logger.log(`Serving the web page from ${this.publicDirectory}`);
  }

  @Get()
  page(@Res() res: Response): void {
    this.send(res, PAGE_FILE);
  }

  @Get('assets/:name')
  asset(@Param('name') name: string, @Res() res: Response): void {
    if (!this.assetNames.has(name)) {
      throw new NotFoundException(`No page asset named "${name.slice(0, 80)}"`);
    }

    this.send(res, name);
  }

  private send(res: Response, name: string): void {
    res.set(PAGE_SECURITY_HEADERS);
    res.sendFile(name, { root: this.publicDirectory, cacheControl: false }, (error) => {
      if (!error) return;
      this.logger.error(`Could not send ${name}: ${error.message}`);
      if (!res.headersSent) res.status(500).end();
    });
  }
}

/**
 * `public/` beside the compiled controller (nest-cli.json copies it into dist/), or the
 * source folder when running from dist/ built without assets. Fails at start, not per request.
 */
function resolvePublicDirectory(): string {
  const candidates = [
    path.join(__dirname, 'public'),
    path.resolve(__dirname, '..', '..', '..', 'src', 'web', 'public'),
  ];
  const found = candidates.find((candidate) => existsSync(path.join(candidate, PAGE_FILE)));
  if (!found) {
    throw new Error(`The web page is missing: no ${PAGE_FILE} in ${candidates.join(' or ')}`);
  }
  return found;
}
