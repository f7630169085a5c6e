// The user-data every instance boots with: Docker from the distribution's packages,
// started at boot, usable by the template's default user over SSH (the controller
// reaches the engine through `docker system dial-stdio` over SSH, never over TCP).
// Validated with Debian's `cloud-init schema` in test/unit/exoscale-cloud-init.test.ts.
export function cloudInit(opts: { defaultUser: string; cluster: string; host: string }): string {
  return [
    '#cloud-config',
    `# overlayctl: ${opts.host} of cluster ${opts.cluster}`,
    'package_update: true',
    'packages:',
    '  - docker.io',
    'runcmd:',
    '  - [systemctl, enable, --now, docker]',
    `  - [usermod, --append, --groups, docker, ${JSON.stringify(opts.defaultUser)}]`,
    '',
  ].join('\n');
}

/** user-data goes to the API base64-encoded, and must stay under 32768 characters. */
export function encodeUserData(text: string): string {
  const encoded = Buffer.from(text, 'utf8').toString('base64');
  if (encoded.length > 32768) throw new Error(`user-data is ${encoded.length} characters once encoded; the API takes at most 32768`);
  return encoded;
}
