// Brings cdktf's jest matcher types (registered at runtime by Testing.setupJest() in the test files that use them).
import 'cdktf/lib/testing/adapters/jest';
