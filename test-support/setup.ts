import { Testing } from 'cdktf';
import { removeTempDirs } from './temp';

// Adds cdktf's matchers (toHaveResource, toHaveResourceWithProperties, toBeValidTerraform, ...).
Testing.setupJest();

// Every directory a test made with tempDir() goes when its test file ends, passed or failed.
afterAll(removeTempDirs);
