import { Module } from '@nestjs/common';

import { DigitReadingService } from './digit-reading.service';

@Module({
  providers: [DigitReadingService],
  exports: [DigitReadingService],
})
export class InferenceModule {}
