// Mesa's Vulkan drivers complain without a runtime directory; any private temporary one does.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function ensureRuntimeDir(): void {
  process.env.XDG_RUNTIME_DIR ??= mkdtempSync(join(tmpdir(), 'dsv3-xdg-'));
}
