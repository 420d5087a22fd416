import { validateEnvironment } from '../config/environment';

describe('ADMIN_USERNAME and ADMIN_PASSWORD', () => {
  it('should leave the dashboard off when neither is set', () => {
    const settings = validateEnvironment({ ADMIN_USERNAME: '', ADMIN_PASSWORD: '' });

    expect(settings.ADMIN_USERNAME).toBeUndefined();
    expect(settings.ADMIN_PASSWORD).toBeUndefined();
  });

  it('should accept both together', () => {
    const settings = validateEnvironment({
      ADMIN_USERNAME: 'ops',
      ADMIN_PASSWORD: 'long enough secret',
    });

    expect(settings).toMatchObject({ ADMIN_USERNAME: 'ops', ADMIN_PASSWORD: 'long enough secret' });
  });

  it('should refuse a password without a user name', () => {
    expect(() => validateEnvironment({ ADMIN_PASSWORD: 'long enough secret' })).toThrow(
      /ADMIN_USERNAME must be set/,
    );
  });

  it('should refuse a user name without a password, or a short one', () => {
    expect(() => validateEnvironment({ ADMIN_USERNAME: 'ops' })).toThrow(
      /ADMIN_PASSWORD must be set/,
    );
    expect(() => validateEnvironment({ ADMIN_USERNAME: 'ops', ADMIN_PASSWORD: 'short' })).toThrow(
      /at least 12 characters/,
    );
  });

  it('should refuse a colon in the user name, which basic authentication cannot carry', () => {
    expect(() =>
      validateEnvironment({ ADMIN_USERNAME: 'a:b', ADMIN_PASSWORD: 'long enough secret' }),
    ).toThrow(/without a colon/);
  });
});
