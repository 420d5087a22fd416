import { Module } from '@nestjs/common';

import { WebController } from './web.controller';

/** The demo page at `/`: static files that talk to the public tasks API like any client. */
@Module({
  controllers: [WebController],
})
export class WebModule {}
