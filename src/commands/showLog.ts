import type { HostContext } from '../host/hostContext';

/** Model Studio: Show Log */
export function showLog(ctx: HostContext): void {
  ctx.log.show(true);
}
