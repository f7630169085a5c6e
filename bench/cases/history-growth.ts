import type { BenchCase } from '../lib/types.js';
export const historyGrowth: BenchCase = async () => ({ id: 'history-growth', title: 'todo', figures: [], ratios: [], notes: [] });
