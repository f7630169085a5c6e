// Workflows of the benchmarks only (bundled by bench/cases, never by the real worker).
export { createInstances } from './create-instances.js';
