import { redisConnectionOptions } from './redis-connection';

describe(redisConnectionOptions.name, () => {
  it('should read host, port, credentials and database from the URL', () => {
    const sut = redisConnectionOptions('redis://worker:p%40ss@cache.internal:6380/2');

    expect(sut).toMatchObject({
      host: 'cache.internal',
      port: 6380,
      username: 'worker',
      password: 'p@ss',
      db: 2,
    });
    expect(sut.tls).toBeUndefined();
  });

  it('should default to port 6379 and database 0, and use TLS for rediss://', () => {
    const sut = redisConnectionOptions('rediss://cache.internal');

    expect(sut.port).toBe(6379);
    expect(sut.db).toBeUndefined();
    expect(sut.tls).toEqual({ servername: 'cache.internal' });
  });

  it('should keep reconnecting, never waiting more than 2 s between attempts', () => {
    const { retryStrategy } = redisConnectionOptions('redis://127.0.0.1:6379');

    expect(retryStrategy?.(1)).toBe(200);
    expect(retryStrategy?.(1000)).toBe(2000);
  });
});
