import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

import { API_KEY_SECURITY } from './access/access.constants';
import { ApiModule } from './api.module';
import { createAppLogger } from './common/app-logger';
import { readSettingsOrExit } from './common/bootstrap-settings';
import { RequestValidationPipe } from './common/request-validation.pipe';

async function bootstrap(): Promise<void> {
  const settings = readSettingsOrExit();
  const logger = createAppLogger(settings, 'api');

  const app = await NestFactory.create(ApiModule, { logger });
  // Exit 0 once shut down cleanly; by default Nest re-raises the signal and the process
  // ends "killed by SIGTERM", which supervisors cannot tell from a kill.
  app.enableShutdownHooks([], { useProcessExit: true });
  closeKeepAliveConnectionsOnShutdown(app.getHttpServer() as Server);
  app.useGlobalPipes(new RequestValidationPipe());
  documentApi(app);

  await listenOrExit(app, settings.PORT, settings.HOST);
  logger.log(
    `API listening on port ${settings.PORT} (${settings.HOST}); OpenAPI at /docs`,
    'Bootstrap',
  );
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () =>
      logger.log(`${signal}: finishing in-flight requests, then exiting`, 'Bootstrap'),
    );
  }
}

/** A port in use is a setup mistake: say so in one line instead of a stack trace. */
async function listenOrExit(app: INestApplication, port: number, host: string): Promise<void> {
  try {
    await app.listen(port, host);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    process.stderr.write(
      `lensq: port ${port} on ${host} is already in use; stop what listens there or set PORT\n`,
    );
    await app.close();
    process.exit(1);
  }
}

/**
 * On SIGTERM Nest closes the server, which stops new connections but would keep serving
 * requests that clients send on their open keep-alive connections, so a busy API would never
 * finish closing. Once it is closing, every response ends its connection instead: in-flight
 * requests complete, and clients reconnect to another instance.
 */
function closeKeepAliveConnectionsOnShutdown(server: Server): void {
  server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
    if (!server.listening) res.setHeader('Connection', 'close');
  });
}

/** Swagger UI at /docs and the OpenAPI document at /docs-json, generated from the decorators. */
function documentApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('lensq')
    .setDescription(
      'Reads handwritten digits from images, asynchronously: submit images to POST /tasks/predict, ' +
        'then poll GET /tasks/result/{id}.',
    )
    .setVersion('1')
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'X-API-Key',
        description: 'Needed only when API_KEYS is set',
      },
      API_KEY_SECURITY,
    )
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}

void bootstrap();
