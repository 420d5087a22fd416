import { validateEnvironment } from './environment';

describe(validateEnvironment.name, () => {
  it('should give every setting its documented default', () => {
    const sut = validateEnvironment({});

    expect(sut).toMatchObject({
      PORT: 3000,
      REDIS_URL: 'redis://127.0.0.1:6379',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
      MODEL_PATH: 'model',
      MAX_IMAGE_PIXELS: 40_000_000,
      API_KEYS: '',
      KEEP_IMAGES_AFTER_FINISH: false,
    });
  });

  it('should convert numbers and booleans from their text form', () => {
    const sut = validateEnvironment({
      PORT: '8080',
      UNCERTAIN_BELOW: '0.5',
      KEEP_IMAGES_AFTER_FINISH: 'true',
    });

    expect(sut.PORT).toBe(8080);
    expect(sut.UNCERTAIN_BELOW).toBe(0.5);
    expect(sut.KEEP_IMAGES_AFTER_FINISH).toBe(true);
  });

  it('should report every bad variable at once, with its value and what is expected', () => {
    const act = () =>
      validateEnvironment({ PORT: 'eighty', REDIS_URL: 'localhost:6379', LOG_FORMAT: 'xml' });

    expect(act).toThrow(
      /PORT="eighty": PORT must be an integer number\n.*REDIS_URL="localhost:6379": REDIS_URL must look like redis:\/\/host:port/,
    );
    expect(act).toThrow(/LOG_FORMAT="xml"/);
  });

  it('should refuse a request limit a worker could not claim as one string', () => {
    expect(validateEnvironment({ MAX_REQUEST_BYTES: String(200 * 1024 * 1024) })).toMatchObject({
      MAX_REQUEST_BYTES: 200 * 1024 * 1024,
    });
    expect(() => validateEnvironment({ MAX_REQUEST_BYTES: String(300 * 1024 * 1024) })).toThrow(
      /MAX_REQUEST_BYTES="314572800": MAX_REQUEST_BYTES must not be greater than 209715200/,
    );
  });

  it('should refuse malformed API keys', () => {
    expect(() => validateEnvironment({ API_KEYS: 'alice:short' })).toThrow(
      /API_KEYS must be comma-separated owner:key pairs/,
    );
    expect(
      validateEnvironment({ API_KEYS: 'alice:0123456789abcdef,bob:fedcba9876543210' }).API_KEYS,
    ).toContain('bob');
  });

  it('should ignore variables that are not lensq settings', () => {
    expect(() => validateEnvironment({ PATH: '/usr/bin', HOME: '/root' })).not.toThrow();
  });

  it('should never print secrets, even when they are wrong', () => {
    const act = () =>
      validateEnvironment({
        API_KEYS: 'alice:supersecretkey-0123456789,bob',
        DATABASE_URL: 'postgres://lensq:hunter2@db:5432/lensq?bad=%',
        PORT: '-1',
      });

    expect(act).toThrow(/API_KEYS=\(hidden\)/);
    expect(act).not.toThrow(/supersecretkey/);
    expect(act).toThrow(/PORT="-1"/);
  });

  it('should hide the password of a URL setting', () => {
    expect(() =>
      validateEnvironment({ REDIS_URL: 'redis://:hunter2@', HOST: 'not a host' }),
    ).toThrow(/HOST="not a host"/);
    expect(() => validateEnvironment({ DATABASE_URL: 'mysql://me:hunter2@db/x' })).toThrow(
      /DATABASE_URL="mysql:\/\/me:\*\*\*@db\/x"/,
    );
  });
});
