import { Testing } from 'cdktf';
import { stopSharedRunbookDriver } from './runbook-driver';
import { removeTempDirs } from './temp';

// Adds cdktf's matchers (toHaveResource, toHaveResourceWithProperties, toBeValidTerraform, ...).
Testing.setupJest();

// Every directory a test made with tempDir() goes when its test file ends, passed or failed.
afterAll(() => {
  // The runbook tests' one python3 process ends with its test file.
  stopSharedRunbookDriver();
  removeTempDirs();
});
