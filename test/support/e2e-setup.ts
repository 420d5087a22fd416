// E2E tests start real processes and wait for real work; Jest's 5 s default is for unit tests.
jest.setTimeout(120_000);
