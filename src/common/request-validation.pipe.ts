import { ArgumentMetadata, Logger, ValidationPipe } from '@nestjs/common';
import { getMetadataStorage, ValidationError } from 'class-validator';

import { LensqError } from './lensq-error';

/** What ValidationPipe rejected, carried to `transform`, which knows where the input came from. */
class RejectedInput {
  constructor(readonly errors: ValidationError[]) {}
}

const INPUT_NAMES: Partial<Record<ArgumentMetadata['type'], string>> = {
  query: 'query parameter',
  body: 'field',
  param: 'path parameter',
};

/**
 * The global validation of every DTO: unknown properties are refused, values are converted to
 * their declared types, and a refusal is one `invalid-request` whose message lists each
 * problem once (a value that breaks several rules sharing a message is reported once) and
 * names the accepted properties when an unknown one was sent.
 */
export class RequestValidationPipe extends ValidationPipe {
  private readonly logger = new Logger(RequestValidationPipe.name);

  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) => new RejectedInput(errors),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    try {
      return await super.transform(value, metadata);
    } catch (error) {
      if (!(error instanceof RejectedInput)) throw error;
      const message = describeProblems(error.errors, metadata);
      this.logger.debug(`Refused ${metadata.type}: ${message}`);
      throw new LensqError('invalid-request', message);
    }
  }
}

/** Every distinct problem, in the order found, joined into one message. */
export function describeProblems(errors: ValidationError[], metadata: ArgumentMetadata): string {
  const inputName = INPUT_NAMES[metadata.type] ?? 'parameter';
  const accepted = acceptedProperties(metadata);

  const messages = flatten(errors).flatMap(({ path, constraints }) => {
    if (constraints.whitelistValidation === undefined) return Object.values(constraints);
    const known = accepted.length > 0 ? `; accepted: ${accepted.join(', ')}` : '';
    return [`Unknown ${inputName} '${path}'${known}`];
  });

  return [...new Set(messages)].join('; ');
}

/** The errors of nested objects too, each with the dotted path of its property. */
function flatten(
  errors: ValidationError[],
  parentPath = '',
): Array<{ path: string; constraints: Record<string, string> }> {
  return errors.flatMap((error) => {
    const path = parentPath ? `${parentPath}.${error.property}` : error.property;
    const own = error.constraints ? [{ path, constraints: error.constraints }] : [];
    return [...own, ...flatten(error.children ?? [], path)];
  });
}

/** The properties the DTO declares, read from its validation decorators. */
function acceptedProperties(metadata: ArgumentMetadata): string[] {
  if (!metadata.metatype) return [];
  const rules = getMetadataStorage().getTargetValidationMetadatas(
    metadata.metatype,
    '',
    true,
    false,
  );
  return [...new Set(rules.map((rule) => rule.propertyName))];
}
