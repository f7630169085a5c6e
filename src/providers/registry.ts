// Provider by spec: the one place that maps a provider config to its implementation.
import type { Paths } from '../paths.js';
import type { ProviderConfig } from '../types.js';
import { ExoscaleProvider } from './exoscale/provider.js';
import { LocalProvider } from './local/provider.js';
import type { Provider } from './provider.js';

export function providerFor(config: ProviderConfig, paths: Paths): Provider {
  switch (config.type) {
    case 'local':
      return new LocalProvider(config, paths);
    case 'exoscale':
      return new ExoscaleProvider(config, paths);
  }
}
