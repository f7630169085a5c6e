#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx), so a checkout needs no build step
// and `npx overlayctl` always runs what is in src/.
import { register } from 'tsx/esm/api';

register();
await import('../src/client.ts');
