// Brings cdktf's jest matcher types (registered at runtime by Testing.setupJest in setup.ts).
import 'cdktf/lib/testing/adapters/jest';
