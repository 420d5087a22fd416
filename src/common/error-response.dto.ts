import { ApiProperty } from '@nestjs/swagger';

export class FileProblemDto {
  /** The client's file name. */
  @ApiProperty({ example: 'drawing.svg' })
  file!: string;

  /** Zero-based position of the file in the upload. */
  @ApiProperty({ example: 0, type: 'integer' })
  index!: number;

  /** Machine-readable reason. */
  @ApiProperty({ example: 'unsupported-format' })
  code!: string;

  /** What was wrong with this file and what is accepted. */
  @ApiProperty({
    example: 'drawing.svg: SVG is not supported; supported: PNG, JPEG, WebP, GIF, BMP, TIFF.',
  })
  message!: string;
}

/** The one shape of every error answer. */
export class ErrorResponseDto {
  @ApiProperty({ example: 415, type: 'integer' })
  statusCode!: number;

  /** HTTP reason phrase. */
  @ApiProperty({ example: 'Unsupported Media Type' })
  error!: string;

  /** Machine-readable reason. */
  @ApiProperty({ example: 'unsupported-format' })
  code!: string;

  /** What was wrong, with the value received and the limit or the accepted values. */
  @ApiProperty({
    example:
      '1 of 2 file(s) cannot be accepted. drawing.svg: SVG is not supported; supported: PNG, JPEG, WebP, GIF, BMP, TIFF.',
  })
  message!: string;

  /** Per-file problems, when the request carried files. */
  @ApiProperty({ type: [FileProblemDto] })
  details!: FileProblemDto[];

  /** Identifies this request in the logs; send it when reporting a problem. */
  @ApiProperty({ example: 'b7c1f1f4-2f5e-4a44-9d0a-5f1b0c7f3e21' })
  request_id!: string;
}
