/**
 * The requests a sender has in flight, in the order they were sent: with one timeout for all, that
 * is their deadlines' order, so a periodic sweep expires them from the front and stops at the first
 * still due (no timer per request). Ended requests are skipped; the array is compacted as its head
 * advances, so its memory follows what is in flight.
 */
export class DeadlineQueue<T extends { ended: boolean; deadlineNs: number }> {
  private items: T[] = [];
  private head = 0;

  push(r: T): void {
    this.items.push(r);
  }

  /** Whether some request may still be waiting for its deadline (the sweep then reads the clock). */
  get pending(): boolean {
    return this.head < this.items.length;
  }

  /** `expire(r)` for each request not yet ended whose deadline is at or before `nowNs`, oldest first. */
  sweep(nowNs: number, expire: (r: T) => void): void {
    const { items } = this;
    while (this.head < items.length) {
      const r = items[this.head] as T;
      if (!r.ended) {
        if (r.deadlineNs > nowNs) break;
        expire(r);
      }
      this.head++;
    }
    if (this.head === items.length) {
      items.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > items.length) {
      this.items = items.slice(this.head);
      this.head = 0;
    }
  }
}
