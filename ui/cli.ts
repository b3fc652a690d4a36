#!/usr/bin/env node
// slabtrace command line entry point (placeholder until the commands land).
console.log('slabtrace');
