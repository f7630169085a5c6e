// Custom search attributes: every run of a cluster can be found and filtered in the
// Web UI and with `temporal workflow list --query "OverlayCluster='tuto'"`.
// Plain key objects (type-only import), so workflows can use them too.
import type { SearchAttributeKey } from '@temporalio/common/lib/search-attributes.js';

export const OVERLAY_CLUSTER: SearchAttributeKey<'KEYWORD'> = { name: 'OverlayCluster', type: 'KEYWORD' };
export const OVERLAY_PROVIDER: SearchAttributeKey<'KEYWORD'> = { name: 'OverlayProvider', type: 'KEYWORD' };
/** the step a provisioning run is at */
export const OVERLAY_STEP: SearchAttributeKey<'KEYWORD'> = { name: 'OverlayStep', type: 'KEYWORD' };
/** whether the run's verification passed (set once it is known) */
export const OVERLAY_VERIFIED: SearchAttributeKey<'BOOL'> = { name: 'OverlayVerified', type: 'BOOL' };

export const SEARCH_ATTRIBUTES = [OVERLAY_CLUSTER, OVERLAY_PROVIDER, OVERLAY_STEP, OVERLAY_VERIFIED];

/** `temporal server start-dev --search-attribute` form: Name=Keyword */
export function devServerFlag(key: SearchAttributeKey<'KEYWORD' | 'BOOL'>): string {
  return `${key.name}=${key.type === 'KEYWORD' ? 'Keyword' : 'Bool'}`;
}
