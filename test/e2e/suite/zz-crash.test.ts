describe('crash', () => {
  it('passes first', () => {});
  it('kills the host', () => {
    setTimeout(() => process.exit(3), 10);
    return new Promise(() => {});
  });
});
