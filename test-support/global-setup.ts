import { useRunTempFolder } from './temp-root';

/** jest globalSetup: the run gets its own temp folder (see temp-root.ts). */
export default function globalSetup(): void {
  useRunTempFolder();
}
