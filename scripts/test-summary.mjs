#!/usr/bin/env node
// Prints vitest's JSON results as one closing line 'N passed, N failed, N skipped' that CI can read.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'test-results.json';
const r = JSON.parse(readFileSync(file, 'utf8'));
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
process.exitCode = r.numFailedTests > 0 || r.numTotalTests === 0 ? 1 : 0;
