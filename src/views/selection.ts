/**
 * The items a sidebar command is about, when VS Code could not hand them over.
 *
 * A context-menu command gets (the clicked item, every selected item) as the extension's own objects,
 * which VS Code finds again by their handles. While the tree redraws from its root (a run.json written,
 * a run started: the sidebar refreshes), the extension host forgets every item until the workbench asks
 * for them again, so a menu used in that moment hands over `undefined` in their place. The view's
 * selection (`TreeView.selection`, kept as handles) names them again once the redraw is over: wait for
 * that, bounded, instead of acting on nothing.
 */

export interface ResolveSelection<T> {
  /** the command's arguments: the selected items, or the clicked one */
  given: readonly unknown[];
  /** the view's selection now (`treeView.selection`) */
  current: () => readonly unknown[];
  /** the wanted kind of item, or undefined */
  accept: (v: unknown) => T | undefined;
  /** how long to wait for the redraw (default 3 s) */
  timeoutMs?: number;
  /** how often to look (default 50 ms) */
  everyMs?: number;
}

export async function resolveSelection<T>(o: ResolveSelection<T>): Promise<T[]> {
  const keep = (xs: readonly unknown[]): T[] => xs.map(o.accept).filter((v): v is T => v !== undefined);
  const handed = keep(o.given);
  const lost = o.given.filter((g) => g === undefined).length;
  if (lost === 0) return handed;
  const end = Date.now() + (o.timeoutMs ?? 3000);
  for (;;) {
    const now = keep(o.current());
    if (now.length >= o.given.length || Date.now() >= end) return now.length > handed.length ? now : handed;
    await new Promise((r) => setTimeout(r, o.everyMs ?? 50)); // the poll interval of a bounded wait for the redraw
  }
}
