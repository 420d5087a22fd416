import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

import { DIGIT_DOUBTS } from '../../../libs/digit-reading/digit-reader';

export class ImageErrorDto {
  /**
   * Machine-readable reason: `blank-image` (no ink found), `not-a-digit` (the model ran and
   * found no digit: a scribble, a shape, a symbol), `corrupt-image` (damage that only decoding
   * revealed), or another upload code of the API's error table.
   */
  @ApiProperty({ example: 'not-a-digit' })
  code!: string;

  /** What was wrong with this image. */
  @ApiProperty({ example: 'scan.png is corrupt or truncated and cannot be decoded' })
  message!: string;
}

/** What was read from one uploaded image. */
export class ImagePredictionDto {
  /** Zero-based position of the image in the upload. */
  @ApiProperty({ type: 'integer', example: 0 })
  index!: number;

  /** The client's file name, for display. */
  @ApiProperty({ example: 'seven.png' })
  filename!: string;

  /** The digit read, or null when the image could not be read or shows no digit. */
  @ApiProperty({ type: 'integer', nullable: true, minimum: 0, maximum: 9, example: 7 })
  digit!: number | null;

  /** Probability of the predicted digit, from 0 to 1. */
  @ApiProperty({ type: 'number', nullable: true, example: 0.998 })
  confidence!: number | null;

  /**
   * True when the digit should not be trusted: a low confidence, an input unlike the digits the
   * model knows, or strokes the normaliser doubts (a filled shape read as its outline, or most of
   * the image's ink set aside, as in a photo of several digits). Always true for not-a-digit.
   */
  @ApiProperty({ example: false })
  uncertain!: boolean;

  /**
   * Why the digit should not be trusted, when `uncertain`: `low-confidence` (under
   * UNCERTAIN_BELOW), `unlike-a-digit` (the non-digit detector doubts it), `solid-ink` (a filled
   * shape read as its outline), `most-ink-set-aside` (most of the image's ink is not in the
   * strokes read, as with several digits). Empty when the digit can be trusted, when no digit
   * was read (see `error`), and for tasks finished before lensq recorded reasons.
   */
  @ApiProperty({
    type: [String],
    enum: DIGIT_DOUBTS,
    example: [],
  })
  doubts!: string[];

  /** Probability of each digit 0-9, in that order. */
  @ApiProperty({
    type: [Number],
    nullable: true,
    example: [0, 0, 0.001, 0, 0, 0, 0, 0.998, 0, 0.001],
  })
  probabilities!: number[] | null;

  /** The 28x28 input the model saw, as a PNG data URI; only with `?include=input`. */
  @ApiPropertyOptional({ example: 'data:image/png;base64,iVBORw0KGgo…' })
  input?: string;

  /** Why no digit was read, when none was. */
  @ApiProperty({ type: ImageErrorDto, nullable: true })
  error!: ImageErrorDto | null;
}
