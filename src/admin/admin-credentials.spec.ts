import { hasAdminCredentials } from './admin-credentials';

const EXPECTED = { username: 'admin', password: 'a:password with colons' };

function basic(credentials: string): string {
  return `Basic ${Buffer.from(credentials).toString('base64')}`;
}

describe(hasAdminCredentials.name, () => {
  it('should accept the configured user name and password', () => {
    expect(hasAdminCredentials(basic('admin:a:password with colons'), EXPECTED)).toBe(true);
  });

  it.each([
    ['no header', undefined],
    ['another scheme', 'Bearer abc'],
    ['a wrong password', basic('admin:a:password with colon')],
    ['a wrong user name', basic('root:a:password with colons')],
    ['no colon', basic('admin')],
    ['an empty password', basic('admin:')],
    ['garbage', 'Basic !!!'],
  ])('should refuse %s', (_, header) => {
    expect(hasAdminCredentials(header, EXPECTED)).toBe(false);
  });
});
