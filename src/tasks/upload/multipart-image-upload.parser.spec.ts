import { sanitiseFilename } from './multipart-image-upload.parser';

describe(sanitiseFilename.name, () => {
  it('should keep only the last path segment of a name', () => {
    expect(sanitiseFilename('../../etc/passwd', 0)).toBe('passwd');
    expect(sanitiseFilename('C:\\Users\\me\\seven.png', 0)).toBe('seven.png');
  });

  it('should drop control characters and keep unicode', () => {
    expect(sanitiseFilename('zi\u0000ffer\u001b-七.png', 0)).toBe('ziffer-七.png');
  });

  it('should name an unnamed, dot or empty file by its position', () => {
    expect(sanitiseFilename(undefined, 0)).toBe('image-1');
    expect(sanitiseFilename('..', 2)).toBe('image-3');
    expect(sanitiseFilename('   ', 4)).toBe('image-5');
  });

  it('should cut very long names to 200 characters', () => {
    expect([...sanitiseFilename(`${'ü'.repeat(500)}.png`, 0)]).toHaveLength(200);
  });
});
